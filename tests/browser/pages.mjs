// The public pages in a real headless browser (Debian's chromium), checked with axe-core.
//
// Run by ops/browser-test.sh, which starts a server on the bundled real data and passes:
//   PALIMPSEST_BASE            http://127.0.0.1:PORT
//   PALIMPSEST_CITIZEN_TOKEN   a bearer token with the citizen role
//   PALIMPSEST_OFFICIAL_TOKEN  a bearer token with the official role
//   PALIMPSEST_SCREENSHOTS     folder for the screenshots (one per page, language and width)
//   CHROMIUM                   the browser (default /usr/bin/chromium)
//
// Every page, in French and English, at a desktop and a phone width, must: answer 200 with HTML
// in the asked language, log no error in the console, have exactly one h1, show no horizontal
// scroll on the phone, start keyboard navigation on a skip link, and have no serious or critical
// axe-core violation. Then the write forms are driven as people would: sign in by pasting a
// token, submit an amendment, vote with the keyboard, argue; sign in as an official, decide;
// check an inclusion proof on the audit page. The same vote also works with JavaScript off.
// Exits non-zero with one line per failure.

import { createRequire } from "node:module";
import { mkdirSync } from "node:fs";
import { chromium } from "playwright-core";

const require = createRequire(import.meta.url);
const axeSource = require("fs").readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");

const base = need("PALIMPSEST_BASE");
const citizenToken = need("PALIMPSEST_CITIZEN_TOKEN");
const officialToken = need("PALIMPSEST_OFFICIAL_TOKEN");
const shots = process.env.PALIMPSEST_SCREENSHOTS ?? "target/browser-screenshots";
mkdirSync(shots, { recursive: true });

function need(name) {
  const value = process.env[name];
  if (!value) {
    console.error(`browser tests: ${name} is not set (run ops/browser-test.sh)`);
    process.exit(2);
  }
  return value;
}

const failures = [];
let checks = 0;
function check(condition, what) {
  checks += 1;
  if (!condition) {
    failures.push(what);
    console.log(`  FAIL ${what}`);
  }
}

async function api(path, { method = "GET", token, body } = {}) {
  const response = await fetch(base + path, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body ? { "content-type": "application/json" } : {}),
    },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

// The pages to check, found through the JSON API on the imported data: the bill with the most
// amendments, its most amended article, and its first decided amendment with arguments.
async function discover() {
  const bills = (await api("/api/v1/bills?limit=500")).items;
  const bill = bills.reduce((a, b) => (b.amendments > a.amendments ? b : a));
  const amendments = (await api(`/api/v1/bills/${bill.id}/amendments?limit=500`)).items;
  const counts = new Map();
  for (const a of amendments) {
    if (a.article_id) counts.set(a.article_id, (counts.get(a.article_id) ?? 0) + 1);
  }
  const article = [...counts.entries()].sort((a, b) => b[1] - a[1])[0][0];
  const decided =
    amendments.find((a) => ["accepted", "accepted_with_changes", "rejected"].includes(a.state)) ??
    amendments[0];
  return [
    { name: "home", path: "/" },
    { name: "bill", path: `/bills/${bill.id}` },
    { name: "article", path: `/bills/${bill.id}/articles/${article}` },
    { name: "amendment", path: `/amendments/${decided.id}` },
    { name: "audit", path: "/audit" },
  ];
}

const viewports = [
  { name: "desktop", width: 1280, height: 900, isMobile: false },
  { name: "phone", width: 360, height: 740, isMobile: true },
];

async function axeViolations(page) {
  // Evaluated through the DevTools protocol, which the pages' CSP (no inline script) allows.
  await page.evaluate(axeSource);
  const result = await page.evaluate(async () =>
    // eslint-disable-next-line no-undef
    axe.run(document, { resultTypes: ["violations"] }),
  );
  return result.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
}

async function checkPage(browser, target, lang, viewport) {
  const label = `${target.name} [${lang}, ${viewport.name}] ${target.path}`;
  const context = await browser.newContext({
    viewport: { width: viewport.width, height: viewport.height },
    isMobile: viewport.isMobile,
    locale: lang === "fr" ? "fr-FR" : "en-GB",
  });
  const page = await context.newPage();
  const errors = [];
  page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
  page.on("pageerror", (e) => errors.push(String(e)));
  const sep = target.path.includes("?") ? "&" : "?";
  const response = await page.goto(`${base}${target.path}${sep}lang=${lang}`, {
    waitUntil: "load",
  });
  check(response?.status() === 200, `${label}: status ${response?.status()}, expected 200`);
  check(
    (response?.headers()["content-type"] ?? "").startsWith("text/html"),
    `${label}: content type ${response?.headers()["content-type"]}, expected text/html`,
  );
  const htmlLang = await page.getAttribute("html", "lang");
  check(htmlLang?.startsWith(lang), `${label}: <html lang="${htmlLang}">, expected ${lang}`);
  const h1 = await page.locator("h1").count();
  check(h1 === 1, `${label}: ${h1} h1 elements, expected exactly one`);
  if (viewport.isMobile) {
    const overflow = await page.evaluate(
      () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
    );
    let culprit = "";
    if (overflow > 1) {
      culprit = await page.evaluate(() => {
        // Elements whose content is wider than they are (text that does not wrap, a wide
        // table); the innermost ones are those to fix.
        const wide = [...document.body.querySelectorAll("*")].filter(
          (el) => el.scrollWidth > el.clientWidth + 1 && getComputedStyle(el).overflowX === "visible",
        );
        const inner = wide.filter((el) => !wide.some((o) => o !== el && el.contains(o)));
        return inner
          .slice(0, 3)
          .map((el) => `<${el.tagName.toLowerCase()} class="${el.className}"> "${el.textContent.trim().slice(0, 40)}"`)
          .join("; ");
      });
    }
    check(overflow <= 1, `${label}: scrolls sideways by ${overflow}px on a 360px-wide phone (${culprit})`);
  }
  await page.keyboard.press("Tab");
  const first = await page.evaluate(() => ({
    tag: document.activeElement?.tagName,
    href: document.activeElement?.getAttribute("href"),
  }));
  check(
    first.tag === "A" && (first.href ?? "").startsWith("#"),
    `${label}: the first Tab focuses ${first.tag} ${first.href}, expected a skip link`,
  );
  const violations = await axeViolations(page);
  for (const v of violations) {
    const where = v.nodes.slice(0, 3).map((n) => n.target.join(" ")).join("; ");
    check(false, `${label}: axe ${v.impact} ${v.id}: ${v.help} (at ${where})`);
  }
  check(errors.length === 0, `${label}: console errors: ${errors.join(" | ")}`);
  await page.screenshot({
    path: `${shots}/${target.name}-${lang}-${viewport.name}.png`,
    fullPage: true,
  });
  await context.close();
}

// A bill with an open consultation, made through the API, for the forms.
async function openBill() {
  const created = await api("/api/v1/bills", {
    method: "POST",
    token: officialToken,
    body: {
      title: "Projet de loi pour les essais du navigateur",
      articles: [
        { number: "1", text: "Les données publiques sont ouvertes par défaut." },
        { number: "2", text: "Les codes sources des administrations sont communicables." },
      ],
    },
  });
  const closes = new Date(Date.now() + 7 * 24 * 3600 * 1000).toISOString();
  await api(`/api/v1/bills/${created.id}/consultation/open`, {
    method: "POST",
    token: officialToken,
    body: { closes_at: closes },
  });
  const bill = await api(`/api/v1/bills/${created.id}?after=${created.log_index}`);
  const version = await api(`/api/v1/bills/${created.id}/versions/${bill.latest_version.number}`);
  return { id: created.id, article: version.articles[0].id };
}

async function signIn(page, token) {
  await page.goto(`${base}/sign-in?lang=en`);
  await page.locator("#token").fill(token);
  await Promise.all([page.waitForNavigation(), page.locator("form[action='/sign-in'] button[type=submit]").click()]);
}

async function ballots(amendmentId) {
  const amendment = await api(`/api/v1/amendments/${amendmentId}`);
  return amendment.tallies.ballots;
}

async function forms(browser) {
  console.log("forms: a citizen amends, votes with the keyboard and argues; an official decides");
  const bill = await openBill();
  const errors = [];
  const citizen = await browser.newContext({ locale: "fr-FR" });
  const page = await citizen.newPage();
  page.on("pageerror", (e) => errors.push(String(e)));
  page.on("console", (m) => m.type() === "error" && errors.push(m.text()));

  await signIn(page, citizenToken);
  await page.goto(`${base}/bills/${bill.id}/articles/${bill.article}`);
  await page.locator("#amend-kind").selectOption("modify");
  await page.locator("#amend-title").fill("Ouvrir aussi les algorithmes");
  await page.locator("#amend-text").fill("Les données et les algorithmes publics sont ouverts par défaut.");
  await page.locator("#amend-rationale").fill("Les décisions individuelles doivent pouvoir être expliquées.");
  await page.screenshot({ path: `${shots}/form-amend-filled.png`, fullPage: true });
  await Promise.all([
    page.waitForNavigation(),
    page.locator("form:has(#amend-title) button[type=submit]").click(),
  ]);
  const amendmentUrl = page.url().split(/[?#]/)[0];
  const amendmentId = amendmentUrl.match(/\/amendments\/([0-9a-f-]+)$/)?.[1];
  check(amendmentId, `submit amendment: landed on ${page.url()}, expected the amendment page`);
  if (!amendmentId) return;
  const main = () => page.locator("main").innerText();
  check((await main()).includes("Ouvrir aussi les algorithmes"), "submit amendment: the page shows its title");
  check(
    (await main()).includes("Les décisions individuelles doivent pouvoir être expliquées."),
    "submit amendment: the page shows its rationale",
  );

  // Vote with the keyboard only: Tab until the "for" button has focus, then Enter.
  let focused = "";
  for (let i = 0; i < 200 && focused !== "vote-for"; i += 1) {
    await page.keyboard.press("Tab");
    focused = await page.evaluate(() => {
      const el = document.activeElement;
      return el?.closest("form#vote") && el.getAttribute("value") === "for" ? "vote-for" : "";
    });
  }
  check(focused === "vote-for", "vote by keyboard: Tab reaches the vote button");
  await Promise.all([page.waitForNavigation(), page.keyboard.press("Enter")]);
  const afterVote = await ballots(amendmentId);
  check(afterVote.for === 1, `vote by keyboard: ballots ${JSON.stringify(afterVote)}, expected one for`);
  await page.screenshot({ path: `${shots}/form-voted.png`, fullPage: true });

  await page.locator("#stance-for").check();
  await page.locator("#argue-body").fill("Sans explication, pas de confiance.");
  await Promise.all([page.waitForNavigation(), page.locator("form#argue button[type=submit]").click()]);
  check((await main()).includes("Sans explication, pas de confiance."), "argue: the argument is shown");

  // A bad form value comes back with the message next to the field.
  await page.locator("#argue-body").fill("");
  const refused = await Promise.all([
    page.waitForNavigation(),
    page.locator("form#argue button[type=submit]").click(),
  ]).then(([r]) => r);
  check(refused?.status() === 422, `argue with an empty text: status ${refused?.status()}, expected 422`);
  // The browser logs the expected 422 as a failed load; that one is not an error of the page.
  const expected = errors.findIndex((e) => e.includes("status of 422"));
  if (expected >= 0) errors.splice(expected, 1);
  check(
    (await page.locator("#argue-body[aria-invalid=true]").count()) === 1,
    "argue with an empty text: the field is marked invalid",
  );
  await page.screenshot({ path: `${shots}/form-argue-refused.png`, fullPage: true });
  const violations = await axeViolations(page);
  for (const v of violations) check(false, `form with an error: axe ${v.impact} ${v.id}: ${v.help}`);
  await citizen.close();

  const official = await browser.newContext({ locale: "en-GB" });
  const desk = await official.newPage();
  desk.on("pageerror", (e) => errors.push(String(e)));
  await signIn(desk, officialToken);
  await desk.goto(`${amendmentUrl}?lang=en`);
  await desk.locator("#decide-outcome").selectOption("accepted");
  await desk.locator("#decide-response").fill("Retenu : l'article 1 couvrira aussi les algorithmes.");
  await Promise.all([desk.waitForNavigation(), desk.locator("form#decide button[type=submit]").click()]);
  check(
    (await desk.locator("main").innerText()).includes("Retenu : l'article 1 couvrira aussi les algorithmes."),
    "decide: the official response is shown on the amendment page",
  );
  const decided = await api(`/api/v1/amendments/${amendmentId}`);
  check(decided.state === "accepted", `decide: the amendment is ${decided.state}, expected accepted`);
  await desk.screenshot({ path: `${shots}/form-decided.png`, fullPage: true });
  await official.close();

  // The vote form works with JavaScript off; the citizen changes their vote (the last counts).
  const plain = await browser.newContext({ javaScriptEnabled: false, locale: "fr-FR" });
  const noscript = await plain.newPage();
  await signIn(noscript, citizenToken);
  await noscript.goto(amendmentUrl);
  await Promise.all([noscript.waitForNavigation(), noscript.locator("form#vote button[value=against]").click()]);
  const afterSecond = await ballots(amendmentId);
  check(
    afterSecond.for === 0 && afterSecond.against === 1,
    `vote without JavaScript: ballots ${JSON.stringify(afterSecond)}, expected the changed vote: against`,
  );
  await plain.close();
  check(errors.length === 0, `forms: page errors: ${errors.join(" | ")}`);
}

async function audit(browser) {
  console.log("audit: inclusion proof form");
  const context = await browser.newContext({ locale: "en-GB" });
  const page = await context.newPage();
  await page.goto(`${base}/audit?lang=en`);
  await page.locator("#log_index").fill("1");
  await Promise.all([page.waitForNavigation(), page.locator("form:has(#log_index) button[type=submit]").click()]);
  check(
    (await page.locator("main").innerText()).includes("Proof verified"),
    "audit: the inclusion proof of event 1 checks against the latest checkpoint",
  );
  await page.screenshot({ path: `${shots}/audit-proof.png`, fullPage: true });
  await context.close();
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  args: [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
  ],
});
try {
  for (const target of await discover()) {
    for (const lang of ["fr", "en"]) {
      for (const viewport of viewports) {
        console.log(`${target.name} ${lang} ${viewport.name}`);
        await checkPage(browser, target, lang, viewport);
      }
    }
  }
  await forms(browser);
  await audit(browser);
} catch (error) {
  failures.push(`aborted: ${error.stack ?? error}`);
  console.log(`  FAIL aborted: ${error.stack ?? error}`);
} finally {
  await browser.close();
}

console.log(`\nbrowser tests: ${checks} checks, ${failures.length} failed; screenshots in ${shots}`);
if (failures.length) {
  for (const f of failures) console.log(`FAIL ${f}`);
  process.exit(1);
}
