//! The interface text of the pages, one table per language (French, the default, and English),
//! and the choice of language: `?lang=`, then the `lang` cookie, then Accept-Language.
//! Data (bill texts, amendments, the timeline's sentences) is shown as recorded, untranslated.

use axum::http::header::ACCEPT_LANGUAGE;
use axum::http::HeaderMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Fr,
    En,
}

impl Lang {
    pub fn parse(code: &str) -> Option<Self> {
        match code.trim().to_ascii_lowercase().as_str() {
            "fr" => Some(Self::Fr),
            "en" => Some(Self::En),
            _ => None,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Self::Fr => "fr",
            Self::En => "en",
        }
    }

    pub fn other(self) -> Self {
        match self {
            Self::Fr => Self::En,
            Self::En => Self::Fr,
        }
    }

    pub fn texts(self) -> &'static Texts {
        match self {
            Self::Fr => &FR,
            Self::En => &EN,
        }
    }

    /// A whole number with the language's thousands separator: a narrow no-break space in
    /// French (12\u{202f}345), a comma in English (12,345).
    pub fn number(self, n: u64) -> String {
        let separator = match self {
            Self::Fr => '\u{202f}',
            Self::En => ',',
        };
        let digits = n.to_string();
        let mut out = String::with_capacity(digits.len() + digits.len() / 3 * 3);
        for (i, digit) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                out.push(separator);
            }
            out.push(digit);
        }
        out
    }

    /// The noun agreeing with `n`: French says 0 and 1 in the singular, English only 1.
    pub fn noun(self, n: u64, plural: &Plural) -> &'static str {
        let one = match self {
            Self::Fr => n <= 1,
            Self::En => n == 1,
        };
        if one {
            plural.one
        } else {
            plural.other
        }
    }

    /// "1\u{202f}234 votes", "1 vote", "0 votes" (en), "0 vote" (fr).
    pub fn count(self, n: u64, plural: &Plural) -> String {
        format!("{} {}", self.number(n), self.noun(n, plural))
    }

    /// The preferred of French and English in an Accept-Language header (RFC 9110 §12.5.4),
    /// by quality, ties going to the first listed.
    pub fn from_accept_language(headers: &HeaderMap) -> Option<Self> {
        let header = headers.get(ACCEPT_LANGUAGE)?.to_str().ok()?;
        let mut best: Option<(Self, f32)> = None;
        for item in header.split(',') {
            let mut parts = item.split(';');
            let tag = parts.next().unwrap_or_default().trim();
            let primary = tag.split('-').next().unwrap_or_default();
            let Some(lang) = Self::parse(primary) else {
                continue;
            };
            let quality = parts
                .find_map(|p| p.trim().strip_prefix("q="))
                .and_then(|q| q.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            if quality > 0.0 && best.is_none_or(|(_, q)| quality > q) {
                best = Some((lang, quality));
            }
        }
        best.map(|(lang, _)| lang)
    }
}

/// Every string of the interface, in one language.
pub struct Texts {
    pub site_name: &'static str,
    pub tagline: &'static str,
    pub skip_to_content: &'static str,
    pub main_navigation: &'static str,
    pub nav_home: &'static str,
    pub nav_audit: &'static str,
    pub sign_in: &'static str,
    pub sign_out: &'static str,
    pub signed_in_as: &'static str,
    pub official_badge: &'static str,
    /// The name of the other language, in that language (the switch link).
    pub other_language_name: &'static str,
    pub footer: &'static str,
    pub api_link: &'static str,

    pub home_title: &'static str,
    pub home_intro: &'static str,
    pub figures: &'static str,
    pub bills_heading: &'static str,
    pub no_bills: &'static str,

    pub state_drafted: &'static str,
    pub state_opens_on: &'static str,
    pub state_open_until: &'static str,
    pub state_ended_on: &'static str,
    pub state_closed_on: &'static str,
    pub state_adopted: &'static str,
    pub state_withdrawn: &'static str,

    pub current_text: &'static str,
    pub version: &'static str,
    pub published_on: &'static str,
    pub article: &'static str,
    pub article_history_link: &'static str,
    pub no_articles: &'static str,
    pub timeline: &'static str,
    pub timeline_note: &'static str,
    pub next_page: &'static str,
    pub first_page: &'static str,
    pub failed_steps: &'static str,

    pub history_title: &'static str,
    pub every_version: &'static str,
    pub status_inserted: &'static str,
    pub status_modified: &'static str,
    pub status_deleted: &'static str,
    pub taken_in: &'static str,
    pub official_response: &'static str,
    pub no_amendment_cited: &'static str,
    pub blame_title: &'static str,
    pub blame_intro: &'static str,
    pub amendments_on_article: &'static str,
    pub none: &'static str,
    pub inserted_start: &'static str,
    pub inserted_end: &'static str,
    pub deleted_start: &'static str,
    pub deleted_end: &'static str,
    pub diff_legend: &'static str,

    /// Between a label and its value: French puts a (non-breaking) space before the colon.
    pub colon: &'static str,
    /// Where the vote and contribution forms would be, when they can only be refused.
    pub contributions_closed: &'static str,
    pub your_vote: &'static str,
    pub changed_concurrently: &'static str,
    pub too_large_message: &'static str,
    pub retract_vote: &'static str,
    pub amendment: &'static str,
    pub change_modify: &'static str,
    pub change_insert_after: &'static str,
    pub change_insert_first: &'static str,
    pub change_delete: &'static str,
    pub change_whole_text: &'static str,
    pub origin: &'static str,
    pub origin_citizen: &'static str,
    pub origin_government: &'static str,
    pub origin_parliamentary: &'static str,
    pub author: &'static str,
    pub submitted_on: &'static str,
    pub amendment_state: &'static str,
    pub base_version: &'static str,
    pub proposed_text: &'static str,
    pub no_proposed_text: &'static str,
    pub diff_against_base: &'static str,
    pub rationale: &'static str,
    pub arguments: &'static str,
    pub no_arguments: &'static str,
    pub tallies: &'static str,
    pub ballots_here: &'static str,
    pub imported_here: &'static str,
    pub source: &'static str,
    pub choice_for: &'static str,
    pub choice_mixed: &'static str,
    pub choice_against: &'static str,
    pub choice_pass: &'static str,
    pub stance_for: &'static str,
    pub stance_against: &'static str,
    pub stance_neutral: &'static str,
    pub decision: &'static str,
    pub not_decided: &'static str,
    pub decided_by: &'static str,
    pub response_corrected: &'static str,
    pub hidden_by_moderation: &'static str,
    pub taken_in_by_versions: &'static str,
    pub state_submitted: &'static str,
    pub state_amendment_withdrawn: &'static str,
    pub outcome_accepted: &'static str,
    pub outcome_accepted_with_changes: &'static str,
    pub outcome_rejected: &'static str,
    pub outcome_not_voted: &'static str,

    pub sign_in_to_take_part: &'static str,
    pub form_has_errors: &'static str,
    pub send: &'static str,
    pub vote_heading: &'static str,
    pub vote_intro: &'static str,
    pub argue_heading: &'static str,
    pub field_stance: &'static str,
    pub field_body: &'static str,
    pub decide_heading: &'static str,
    pub field_outcome: &'static str,
    pub field_response: &'static str,
    pub amend_heading: &'static str,
    pub field_kind: &'static str,
    pub field_title: &'static str,
    pub field_proposed_text: &'static str,
    pub field_rationale: &'static str,
    pub publish_heading: &'static str,
    pub field_label: &'static str,
    pub field_note: &'static str,
    pub field_apply: &'static str,
    pub no_amendment_to_apply: &'static str,
    pub required_field: &'static str,

    pub sign_in_title: &'static str,
    pub token_label: &'static str,
    pub token_help: &'static str,
    pub token_unknown: &'static str,

    pub audit_title: &'static str,
    pub audit_intro: &'static str,
    pub latest_checkpoint: &'static str,
    pub no_checkpoint: &'static str,
    pub tree_size: &'static str,
    pub root_hash: &'static str,
    pub signed_at: &'static str,
    pub public_key: &'static str,
    pub verify_offline: &'static str,
    pub verify_step_fetch: &'static str,
    pub verify_step_proof: &'static str,
    pub verify_step_export: &'static str,
    pub verify_step_export_note: &'static str,
    pub check_inclusion: &'static str,
    pub check_inclusion_intro: &'static str,
    pub field_log_index: &'static str,
    pub check: &'static str,
    pub inclusion_ok: &'static str,
    pub inclusion_failed: &'static str,
    pub log_index_invalid: &'static str,

    pub not_found_title: &'static str,
    pub bad_request_title: &'static str,
    pub forbidden_title: &'static str,
    pub unauthorized_title: &'static str,
    pub unavailable_title: &'static str,
    pub error_title: &'static str,
    pub csrf_refused: &'static str,
    pub foreign_origin_refused: &'static str,
    pub sign_in_first: &'static str,
    pub back_home: &'static str,
    pub technical_detail: &'static str,

    // Error messages, counts, audit notices and authorship (the web review of 2026-05).
    pub not_found_message: &'static str,
    pub bad_request_message: &'static str,
    pub forbidden_message: &'static str,
    pub method_not_allowed_title: &'static str,
    pub method_not_allowed_message: &'static str,
    pub conflict_message: &'static str,
    pub invalid_message: &'static str,
    pub too_many_requests_message: &'static str,
    pub unavailable_message: &'static str,
    pub internal_message: &'static str,
    pub n_bills: Plural,
    pub n_amendments_and_contributions: Plural,
    pub n_official_decisions: Plural,
    pub n_votes_cast_here: Plural,
    pub n_imported_votes_figure: Plural,
    pub n_log_events: Plural,
    pub n_versions: Plural,
    pub n_articles: Plural,
    pub n_amendments: Plural,
    pub n_decisions: Plural,
    pub n_votes: Plural,
    pub n_imported_votes: Plural,
    /// `{size}`: the latest checkpoint's size.
    pub inclusion_pending: &'static str,
    /// `{index}`: the index asked for; `{size}`: the log's size.
    pub inclusion_beyond_log: &'static str,
    pub inclusion_unavailable: &'static str,
    pub verify_url_placeholder: &'static str,
    /// The author of a deputy's, senator's or the government's amendment: a name, not a pseudonym.
    pub author_named: &'static str,
}

/// A noun after a count: `one` for the counts the language says in the singular.
pub struct Plural {
    pub one: &'static str,
    pub other: &'static str,
}

pub static FR: Texts = Texts {
    site_name: "Palimpsest",
    tagline: "Délibération citoyenne sur les textes de loi",
    skip_to_content: "Aller au contenu",
    main_navigation: "Navigation principale",
    nav_home: "Accueil",
    nav_audit: "Audit",
    sign_in: "Se connecter",
    sign_out: "Se déconnecter",
    signed_in_as: "Connecté·e sous le pseudonyme",
    official_badge: "officiel",
    other_language_name: "English",
    footer: "Chaque contribution, vote et décision est inscrit dans un journal chaîné et signé, vérifiable par tous.",
    api_link: "API JSON",

    home_title: "Textes en délibération",
    home_intro: "Lisez les textes, suivez leur évolution article par article et voyez ce que sont devenues les contributions citoyennes.",
    figures: "Chiffres clés",
    bills_heading: "Les textes",
    no_bills: "Aucun texte pour l'instant.",

    state_drafted: "Projet déposé, sans consultation",
    state_opens_on: "Consultation ouverte à partir du",
    state_open_until: "Consultation ouverte jusqu'au",
    state_ended_on: "Consultation terminée le",
    state_closed_on: "Consultation close le",
    state_adopted: "Adopté",
    state_withdrawn: "Retiré",

    current_text: "Texte en vigueur",
    version: "Version",
    published_on: "publiée le",
    article: "Article",
    article_history_link: "Historique et origine de chaque mot",
    no_articles: "Ce texte n'a pas d'article (une conversation sans texte de base).",
    timeline: "Chronologie",
    timeline_note: "Les étapes sont décrites en anglais, telles qu'inscrites au journal.",
    next_page: "Étapes suivantes",
    first_page: "Retour au début",
    failed_steps: "Étapes sans texte",

    history_title: "Historique de l'article",
    every_version: "Toutes les versions",
    status_inserted: "Article ajouté",
    status_modified: "Article modifié",
    status_deleted: "Article supprimé",
    taken_in: "Contributions intégrées",
    official_response: "Réponse officielle",
    no_amendment_cited: "Aucune contribution citée pour ce changement.",
    blame_title: "D'où vient chaque mot",
    blame_intro: "Chaque passage du texte actuel est suivi de la version qui l'a introduit.",
    amendments_on_article: "Amendements sur cet article",
    none: "Aucun.",
    inserted_start: "[début d'ajout]",
    inserted_end: "[fin d'ajout]",
    deleted_start: "[début de suppression]",
    deleted_end: "[fin de suppression]",
    diff_legend: "Texte souligné : ajouté. Texte barré : supprimé.",

    colon: "\u{a0}: ",
    contributions_closed: "La consultation n'est pas ouverte : votes, arguments et amendements ne sont pas reçus.",
    your_vote: "Votre vote",
    changed_concurrently: "Ce contenu a changé au même moment (dans un autre onglet ?) ; rien n'a été enregistré. Rechargez la page, vérifiez, puis recommencez si besoin.",
    too_large_message: "Le formulaire envoyé est trop volumineux (2 Mio au plus) ; rien n'a été modifié.",
    retract_vote: "Retirer mon vote",
    amendment: "Amendement",
    change_modify: "Modifie",
    change_insert_after: "Insère un article après",
    change_insert_first: "Insère un article en tête du texte",
    change_delete: "Supprime",
    change_whole_text: "Porte sur le texte entier",
    origin: "Origine",
    origin_citizen: "citoyenne",
    origin_government: "gouvernement",
    origin_parliamentary: "parlementaire",
    author: "Auteur·e (pseudonyme)",
    submitted_on: "Déposé le",
    amendment_state: "État",
    base_version: "Écrit sur la version",
    proposed_text: "Texte proposé",
    no_proposed_text: "Le texte proposé n'est pas connu (la source ne le publie pas).",
    diff_against_base: "Comparaison avec le texte de base",
    rationale: "Exposé des motifs",
    arguments: "Arguments",
    no_arguments: "Aucun argument pour l'instant.",
    tallies: "Votes",
    ballots_here: "Bulletins exprimés sur ce service",
    imported_here: "Décomptes importés (publiés par la source, jamais additionnés aux bulletins)",
    source: "Source",
    choice_for: "Pour",
    choice_mixed: "Mitigé",
    choice_against: "Contre",
    choice_pass: "Passe",
    stance_for: "Pour",
    stance_against: "Contre",
    stance_neutral: "Neutre",
    decision: "Décision",
    not_decided: "Pas encore de décision.",
    decided_by: "par",
    response_corrected: "Réponse corrigée",
    hidden_by_moderation: "Masqué des listes par la modération :",
    taken_in_by_versions: "Intégré par la version",
    state_submitted: "Déposé",
    state_amendment_withdrawn: "Retiré par son auteur·e",
    outcome_accepted: "Accepté",
    outcome_accepted_with_changes: "Accepté avec modifications",
    outcome_rejected: "Rejeté",
    outcome_not_voted: "Jamais mis aux voix",

    sign_in_to_take_part: "Connectez-vous pour voter, argumenter ou proposer un amendement.",
    form_has_errors: "Le formulaire n'a pas été accepté :",
    send: "Envoyer",
    vote_heading: "Voter",
    vote_intro: "Votre vote remplace le précédent sur ce même sujet.",
    argue_heading: "Ajouter un argument",
    field_stance: "Position",
    field_body: "Votre argument",
    decide_heading: "Décider (réservé aux officiels)",
    field_outcome: "Décision",
    field_response: "Réponse publique",
    amend_heading: "Proposer un amendement à cet article",
    field_kind: "Nature",
    field_title: "Titre",
    field_proposed_text: "Texte proposé (alinéas séparés par une ligne vide)",
    field_rationale: "Exposé des motifs",
    publish_heading: "Publier une nouvelle version (réservé aux officiels)",
    field_label: "Intitulé de la version",
    field_note: "Note",
    field_apply: "Amendements acceptés à intégrer",
    no_amendment_to_apply: "Aucun amendement accepté n'attend d'être intégré.",
    required_field: "obligatoire",

    sign_in_title: "Connexion",
    token_label: "Jeton d'accès",
    token_help: "Collez le jeton remis par l'administrateur (commande « palimpsest token issue »). Il est gardé dans un cookie de ce navigateur, inaccessible aux scripts, jusqu'à la déconnexion.",
    token_unknown: "Ce jeton est inconnu ou révoqué.",

    audit_title: "Auditer le journal",
    audit_intro: "Tout ce qui s'affiche ici découle d'un journal d'événements chaînés par hachage et engagés dans un arbre de Merkle dont les points de contrôle sont signés (Ed25519). Vous pouvez tout vérifier vous-même, hors ligne.",
    latest_checkpoint: "Dernier point de contrôle signé",
    no_checkpoint: "Aucun point de contrôle n'a encore été signé ; revenez dans une minute.",
    tree_size: "Nombre d'événements couverts",
    root_hash: "Racine de l'arbre (SHA-256)",
    signed_at: "Signé le",
    public_key: "Clé publique de vérification",
    verify_offline: "Vérifier hors ligne",
    verify_step_fetch: "1. Récupérez le point de contrôle, la clé publique et la preuve d'inclusion d'un événement :",
    verify_step_proof: "2. Vérifiez la preuve, sans réseau :",
    verify_step_export: "3. Vérifiez tout le journal à partir de l'export publié par l'exploitant :",
    verify_step_export_note: "L'exploitant produit l'export (événements, points de contrôle, clé publique) ; la vérification recalcule chaque chaîne, l'arbre et chaque signature, sans base de données ni réseau, et nomme la première ligne fautive.",
    check_inclusion: "Vérifier l'inclusion d'un événement",
    check_inclusion_intro: "Le serveur calcule la preuve d'inclusion de l'événement dans le dernier point de contrôle et la vérifie avec le code de « palimpsest verify --proof ».",
    field_log_index: "Index de l'événement dans le journal",
    check: "Vérifier",
    inclusion_ok: "Preuve vérifiée : l'événement est inclus dans le journal signé.",
    inclusion_failed: "La vérification a échoué :",
    log_index_invalid: "Indiquez un nombre entier à partir de 1.",

    not_found_title: "Page introuvable",
    bad_request_title: "Requête incorrecte",
    forbidden_title: "Action refusée",
    unauthorized_title: "Connexion nécessaire",
    unavailable_title: "Service momentanément indisponible",
    error_title: "Erreur",
    csrf_refused: "Ce formulaire n'a pas été reconnu (jeton de sécurité absent ou invalide). Rien n'a été modifié. Rechargez la page et renvoyez-le.",
    foreign_origin_refused: "Ce formulaire a été envoyé depuis un autre site. Rien n'a été modifié.",
    sign_in_first: "Connectez-vous d'abord ; rien n'a été modifié.",
    back_home: "Retour à l'accueil",
    technical_detail: "Détail technique",

    not_found_message: "Il n'y a rien à cette adresse : la page n'existe pas, ou l'identifiant ne désigne rien.",
    bad_request_message: "La requête est mal formée.",
    forbidden_message: "Vous n'avez pas le droit de faire cela ; rien n'a été modifié.",
    method_not_allowed_title: "Méthode non acceptée",
    method_not_allowed_message: "Cette adresse existe, mais pas pour cette méthode.",
    conflict_message: "Le dossier refuse ce changement dans son état actuel ; rien n'a été modifié.",
    invalid_message: "Une valeur envoyée est refusée ; rien n'a été modifié.",
    too_many_requests_message: "Trop de demandes en peu de temps ; patientez un instant puis réessayez.",
    unavailable_message: "Le service ne répond pas pour l'instant ; réessayez dans un instant.",
    internal_message: "Erreur interne du service ; elle a été consignée. Réessayez plus tard.",
    n_bills: Plural { one: "texte", other: "textes" },
    n_amendments_and_contributions: Plural { one: "amendement ou contribution", other: "amendements et contributions" },
    n_official_decisions: Plural { one: "décision officielle", other: "décisions officielles" },
    n_votes_cast_here: Plural { one: "vote exprimé ici", other: "votes exprimés ici" },
    n_imported_votes_figure: Plural { one: "vote importé (décomptes publiés)", other: "votes importés (décomptes publiés)" },
    n_log_events: Plural { one: "événement dans le journal", other: "événements dans le journal" },
    n_versions: Plural { one: "version", other: "versions" },
    n_articles: Plural { one: "article", other: "articles" },
    n_amendments: Plural { one: "amendement", other: "amendements" },
    n_decisions: Plural { one: "décision", other: "décisions" },
    n_votes: Plural { one: "vote", other: "votes" },
    n_imported_votes: Plural { one: "vote importé", other: "votes importés" },
    inclusion_pending: "Cet événement est plus récent que le dernier point de contrôle signé (taille {size}) ; il sera couvert par le prochain, en général d'ici une minute — revérifiez alors.",
    inclusion_beyond_log: "Aucun événement n'a l'index {index} : le journal compte {size} événements à ce jour.",
    inclusion_unavailable: "La preuve ne peut pas être calculée pour l'instant ; réessayez dans un instant.",
    verify_url_placeholder: "Dans ces commandes, $PALIMPSEST_URL est l'adresse de ce service : définissez-la d'abord (par exemple export PALIMPSEST_URL=https://deliberation.example.org), ou remplacez-la.",
    author_named: "Auteur·e",
};

pub static EN: Texts = Texts {
    site_name: "Palimpsest",
    tagline: "Citizen deliberation on law texts",
    skip_to_content: "Skip to content",
    main_navigation: "Main navigation",
    nav_home: "Home",
    nav_audit: "Audit",
    sign_in: "Sign in",
    sign_out: "Sign out",
    signed_in_as: "Signed in under the pseudonym",
    official_badge: "official",
    other_language_name: "Français",
    footer: "Every contribution, vote and decision is recorded in a hash-chained, signed log that anyone can verify.",
    api_link: "JSON API",

    home_title: "Bills under deliberation",
    home_intro: "Read the texts, follow how they change article by article, and see what became of citizens' contributions.",
    figures: "Headline figures",
    bills_heading: "The bills",
    no_bills: "No bill yet.",

    state_drafted: "Drafted, no consultation",
    state_opens_on: "Consultation opens on",
    state_open_until: "Consultation open until",
    state_ended_on: "Consultation ended on",
    state_closed_on: "Consultation closed on",
    state_adopted: "Adopted",
    state_withdrawn: "Withdrawn",

    current_text: "Current text",
    version: "Version",
    published_on: "published on",
    article: "Article",
    article_history_link: "History and origin of every word",
    no_articles: "This bill has no article (a conversation without a base text).",
    timeline: "Timeline",
    timeline_note: "Steps are described as recorded in the log.",
    next_page: "Later steps",
    first_page: "Back to the start",
    failed_steps: "Steps without a text",

    history_title: "Article history",
    every_version: "Every version",
    status_inserted: "Article inserted",
    status_modified: "Article modified",
    status_deleted: "Article deleted",
    taken_in: "Contributions taken in",
    official_response: "Official response",
    no_amendment_cited: "No contribution is cited for this change.",
    blame_title: "Where each word came from",
    blame_intro: "Each passage of the current text is followed by the version that introduced it.",
    amendments_on_article: "Amendments to this article",
    none: "None.",
    inserted_start: "[insertion start]",
    inserted_end: "[insertion end]",
    deleted_start: "[deletion start]",
    deleted_end: "[deletion end]",
    diff_legend: "Underlined text: inserted. Struck-through text: deleted.",

    colon: ": ",
    contributions_closed: "The consultation is not open: votes, arguments and amendments are not being taken.",
    your_vote: "Your vote",
    changed_concurrently: "This changed at the same moment (in another tab?); nothing was recorded. Reload the page, check, then try again if needed.",
    too_large_message: "The form sent is too large (2 MiB at most); nothing was changed.",
    retract_vote: "Withdraw my vote",
    amendment: "Amendment",
    change_modify: "Modifies",
    change_insert_after: "Inserts an article after",
    change_insert_first: "Inserts an article at the start of the text",
    change_delete: "Deletes",
    change_whole_text: "About the text as a whole",
    origin: "Origin",
    origin_citizen: "citizen",
    origin_government: "government",
    origin_parliamentary: "parliamentary",
    author: "Author (pseudonym)",
    submitted_on: "Submitted on",
    amendment_state: "State",
    base_version: "Written against version",
    proposed_text: "Proposed text",
    no_proposed_text: "The proposed wording is not known (the source does not publish it).",
    diff_against_base: "Against the base text",
    rationale: "Rationale",
    arguments: "Arguments",
    no_arguments: "No argument yet.",
    tallies: "Votes",
    ballots_here: "Ballots cast on this service",
    imported_here: "Imported counts (published by the source, never added to the ballots)",
    source: "Source",
    choice_for: "For",
    choice_mixed: "Mixed",
    choice_against: "Against",
    choice_pass: "Pass",
    stance_for: "For",
    stance_against: "Against",
    stance_neutral: "Neutral",
    decision: "Decision",
    not_decided: "Not decided yet.",
    decided_by: "by",
    response_corrected: "Corrected response",
    hidden_by_moderation: "Hidden from the lists by moderation:",
    taken_in_by_versions: "Taken in by version",
    state_submitted: "Submitted",
    state_amendment_withdrawn: "Withdrawn by its author",
    outcome_accepted: "Accepted",
    outcome_accepted_with_changes: "Accepted with changes",
    outcome_rejected: "Rejected",
    outcome_not_voted: "Never put to the vote",

    sign_in_to_take_part: "Sign in to vote, argue or propose an amendment.",
    form_has_errors: "The form was not accepted:",
    send: "Send",
    vote_heading: "Vote",
    vote_intro: "Your vote replaces your previous one on the same subject.",
    argue_heading: "Add an argument",
    field_stance: "Stance",
    field_body: "Your argument",
    decide_heading: "Decide (officials only)",
    field_outcome: "Decision",
    field_response: "Public response",
    amend_heading: "Propose an amendment to this article",
    field_kind: "Kind",
    field_title: "Title",
    field_proposed_text: "Proposed text (paragraphs separated by a blank line)",
    field_rationale: "Rationale",
    publish_heading: "Publish a new version (officials only)",
    field_label: "Version label",
    field_note: "Note",
    field_apply: "Accepted amendments to take in",
    no_amendment_to_apply: "No accepted amendment is waiting to be taken in.",
    required_field: "required",

    sign_in_title: "Sign in",
    token_label: "Access token",
    token_help: "Paste the token your administrator gave you (command `palimpsest token issue`). It is kept in a cookie of this browser that scripts cannot read, until you sign out.",
    token_unknown: "This token is unknown or revoked.",

    audit_title: "Audit the log",
    audit_intro: "Everything shown here derives from a log of hash-chained events committed to a Merkle tree whose checkpoints are signed (Ed25519). You can check all of it yourself, offline.",
    latest_checkpoint: "Latest signed checkpoint",
    no_checkpoint: "No checkpoint has been signed yet; come back in a minute.",
    tree_size: "Events covered",
    root_hash: "Tree root (SHA-256)",
    signed_at: "Signed on",
    public_key: "Public verifier key",
    verify_offline: "Verify offline",
    verify_step_fetch: "1. Fetch the checkpoint, the public key and an event's inclusion proof:",
    verify_step_proof: "2. Check the proof, with no network:",
    verify_step_export: "3. Check the whole log from the export the operator publishes:",
    verify_step_export_note: "The operator writes the export (events, checkpoints, public key); verifying it recomputes every chain, the tree and every signature, with no database and no network, and names the first bad line.",
    check_inclusion: "Check an event's inclusion",
    check_inclusion_intro: "The server computes the event's inclusion proof in the latest checkpoint and checks it with the code of `palimpsest verify --proof`.",
    field_log_index: "The event's index in the log",
    check: "Check",
    inclusion_ok: "Proof verified: the event is included in the signed log.",
    inclusion_failed: "Verification failed:",
    log_index_invalid: "Give a whole number from 1.",

    not_found_title: "Page not found",
    bad_request_title: "Bad request",
    forbidden_title: "Action refused",
    unauthorized_title: "Sign-in needed",
    unavailable_title: "Service temporarily unavailable",
    error_title: "Error",
    csrf_refused: "This form was not recognised (security token missing or invalid). Nothing was changed. Reload the page and send it again.",
    foreign_origin_refused: "This form was sent from another site. Nothing was changed.",
    sign_in_first: "Sign in first; nothing was changed.",
    back_home: "Back to the home page",
    technical_detail: "Technical detail",

    not_found_message: "There is nothing at this address: the page does not exist, or the id names nothing.",
    bad_request_message: "The request is malformed.",
    forbidden_message: "You are not allowed to do this; nothing was changed.",
    method_not_allowed_title: "Method not allowed",
    method_not_allowed_message: "This address exists, but not for this method.",
    conflict_message: "The record refuses this change in its current state; nothing was changed.",
    invalid_message: "A value sent was refused; nothing was changed.",
    too_many_requests_message: "Too many requests in a short time; wait a moment and try again.",
    unavailable_message: "The service does not answer right now; try again in a moment.",
    internal_message: "Internal error of the service; it has been logged. Try again later.",
    n_bills: Plural { one: "bill", other: "bills" },
    n_amendments_and_contributions: Plural { one: "amendment or contribution", other: "amendments and contributions" },
    n_official_decisions: Plural { one: "official decision", other: "official decisions" },
    n_votes_cast_here: Plural { one: "vote cast here", other: "votes cast here" },
    n_imported_votes_figure: Plural { one: "imported vote (published counts)", other: "imported votes (published counts)" },
    n_log_events: Plural { one: "event in the log", other: "events in the log" },
    n_versions: Plural { one: "version", other: "versions" },
    n_articles: Plural { one: "article", other: "articles" },
    n_amendments: Plural { one: "amendment", other: "amendments" },
    n_decisions: Plural { one: "decision", other: "decisions" },
    n_votes: Plural { one: "vote", other: "votes" },
    n_imported_votes: Plural { one: "imported vote", other: "imported votes" },
    inclusion_pending: "This event is newer than the latest signed checkpoint (size {size}); it will be covered by the next one, usually within a minute — check again then.",
    inclusion_beyond_log: "No event has index {index}: the log holds {size} events so far.",
    inclusion_unavailable: "The proof cannot be computed right now; try again in a moment.",
    verify_url_placeholder: "In these commands, $PALIMPSEST_URL is this service's address: set it first (for example export PALIMPSEST_URL=https://deliberation.example.org), or replace it.",
    author_named: "Author",
};

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn accept(value: &str) -> Option<Lang> {
        let mut headers = HeaderMap::new();
        headers.insert(ACCEPT_LANGUAGE, HeaderValue::from_str(value).unwrap());
        Lang::from_accept_language(&headers)
    }

    #[test]
    fn numbers_get_the_languages_thousands_separator() {
        assert_eq!(Lang::Fr.number(0), "0");
        assert_eq!(Lang::Fr.number(999), "999");
        assert_eq!(Lang::Fr.number(1_000), "1\u{202f}000");
        assert_eq!(Lang::Fr.number(1_234_567), "1\u{202f}234\u{202f}567");
        assert_eq!(Lang::En.number(12_345), "12,345");
        assert_eq!(Lang::En.number(123_456), "123,456");
    }

    #[test]
    fn counts_agree_in_number_by_each_languages_rule() {
        assert_eq!(Lang::Fr.count(0, &FR.n_votes), "0 vote");
        assert_eq!(Lang::Fr.count(1, &FR.n_votes), "1 vote");
        assert_eq!(Lang::Fr.count(2, &FR.n_votes), "2 votes");
        assert_eq!(Lang::En.count(0, &EN.n_votes), "0 votes");
        assert_eq!(Lang::En.count(1, &EN.n_versions), "1 version");
        assert_eq!(Lang::En.count(1_000, &EN.n_versions), "1,000 versions");
    }

    #[test]
    fn accept_language_picks_the_best_quality_of_french_and_english() {
        assert_eq!(accept("en-GB,en;q=0.9,fr;q=0.8"), Some(Lang::En));
        assert_eq!(accept("de, fr;q=0.5, en;q=0.4"), Some(Lang::Fr));
        assert_eq!(accept("de"), None);
        assert_eq!(accept("en;q=0, fr;q=0.1"), Some(Lang::Fr));
    }
}
