//! HTML bodies of the consultation platform → plain-text paragraphs.

use super::nfc;

/// Converts an HTML body to paragraphs: block tags (`p`, `div`, `li`, `h1`–`h6`, `blockquote`,
/// `ul`, `ol`, `tr`, `hr`) and `<br>` end a paragraph, other tags are dropped, entities are
/// decoded, whitespace (including `&nbsp;` runs at the ends) is collapsed, empty paragraphs are
/// dropped and each paragraph is NFC. Never fails: unknown entities are kept verbatim.
pub fn html_to_paragraphs(html: &str) -> Vec<String> {
    let mut paragraphs = Vec::new();
    let mut current = String::new();
    let mut rest = html;
    while let Some(lt) = rest.find('<') {
        current.push_str(&rest[..lt]);
        let after = &rest[lt + 1..];
        let Some(gt) = after.find('>') else {
            // A lone '<' is text.
            current.push('<');
            rest = after;
            continue;
        };
        let tag = &after[..gt];
        let name: String = tag
            .trim_start_matches('/')
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect::<String>()
            .to_ascii_lowercase();
        if name.is_empty() {
            // Not a tag (e.g. "< 5"): keep as text.
            current.push('<');
            rest = after;
            continue;
        }
        if is_break(&name) {
            flush(&mut current, &mut paragraphs);
        }
        rest = &after[gt + 1..];
    }
    current.push_str(rest);
    flush(&mut current, &mut paragraphs);
    paragraphs
}

/// The paragraphs joined with blank lines (empty string for an empty body).
pub fn html_to_text(html: &str) -> String {
    html_to_paragraphs(html).join("\n\n")
}

fn is_break(name: &str) -> bool {
    matches!(
        name,
        "p" | "div"
            | "br"
            | "li"
            | "ul"
            | "ol"
            | "h1"
            | "h2"
            | "h3"
            | "h4"
            | "h5"
            | "h6"
            | "blockquote"
            | "hr"
            | "tr"
            | "table"
    )
}

fn flush(current: &mut String, paragraphs: &mut Vec<String>) {
    let decoded = decode_entities(current);
    current.clear();
    let text = collapse_whitespace(&decoded);
    if !text.is_empty() {
        paragraphs.push(nfc(&text));
    }
}

/// Collapses runs of ASCII whitespace to one space and trims whitespace and NBSP at both ends;
/// inner NBSP are kept (French typography: `article 7 :`).
pub fn collapse_whitespace(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut pending_space = false;
    for c in text.chars() {
        if c.is_ascii_whitespace() {
            pending_space = true;
        } else {
            if pending_space && !out.is_empty() {
                out.push(' ');
            }
            pending_space = false;
            out.push(c);
        }
    }
    out.trim_matches(|c: char| c.is_whitespace()).to_string()
}

/// Decodes HTML character references (named ones used by the sources, decimal and hex).
pub fn decode_entities(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let after = &rest[amp + 1..];
        let end = after
            .char_indices()
            .take(12)
            .find(|(_, c)| *c == ';')
            .map(|(i, _)| i);
        let decoded = end.and_then(|end| decode_one(&after[..end]).map(|c| (c, end)));
        match decoded {
            Some((c, end)) => {
                out.push(c);
                rest = &after[end + 1..];
            }
            None => {
                out.push('&');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

fn decode_one(name: &str) -> Option<char> {
    if let Some(num) = name.strip_prefix('#') {
        let code = if let Some(hex) = num.strip_prefix(['x', 'X']) {
            u32::from_str_radix(hex, 16).ok()?
        } else {
            num.parse::<u32>().ok()?
        };
        return char::from_u32(code);
    }
    let c = match name {
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        "nbsp" => '\u{a0}',
        "shy" => '\u{ad}',
        "thinsp" => '\u{2009}',
        "ensp" => '\u{2002}',
        "emsp" => '\u{2003}',
        "ndash" => '–',
        "mdash" => '—',
        "minus" => '−',
        "hellip" => '…',
        "laquo" => '«',
        "raquo" => '»',
        "lsquo" => '‘',
        "rsquo" => '’',
        "ldquo" => '“',
        "rdquo" => '”',
        "sbquo" => '‚',
        "bdquo" => '„',
        "bull" => '•',
        "middot" => '·',
        "sect" => '§',
        "para" => '¶',
        "deg" => '°',
        "ordm" => 'º',
        "ordf" => 'ª',
        "euro" => '€',
        "copy" => '©',
        "reg" => '®',
        "trade" => '™',
        "acute" => '´',
        "times" => '×',
        "divide" => '÷',
        "frac12" => '½',
        "frac14" => '¼',
        "frac34" => '¾',
        "sup2" => '²',
        "sup3" => '³',
        "iexcl" => '¡',
        "iquest" => '¿',
        "oelig" => 'œ',
        "OElig" => 'Œ',
        "aelig" => 'æ',
        "AElig" => 'Æ',
        "szlig" => 'ß',
        _ => return accented(name),
    };
    Some(c)
}

/// `&eacute;`-style letters: base letter + accent name.
fn accented(name: &str) -> Option<char> {
    let mut chars = name.chars();
    let base = chars.next()?;
    if !base.is_ascii_alphabetic() {
        return None;
    }
    let accent = chars.as_str();
    let combining = match accent {
        "acute" => '\u{301}',
        "grave" => '\u{300}',
        "circ" => '\u{302}',
        "tilde" => '\u{303}',
        "uml" => '\u{308}',
        "ring" => '\u{30a}',
        "cedil" => '\u{327}',
        _ => return None,
    };
    use unicode_normalization::UnicodeNormalization;
    let composed: String = [base, combining].iter().collect::<String>().nfc().collect();
    let mut it = composed.chars();
    let c = it.next()?;
    // Only accept entities that compose to a single precomposed letter.
    if it.next().is_some() {
        None
    } else {
        Some(c)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_paragraphs_entities_and_breaks() {
        let html = "<p>Au chapitre 3 il est ins&eacute;r&eacute;&nbsp;:</p>\r\n\r\n<p>&laquo;Art. L. 533-4 &ndash;<br />\r\nI. Lorsque <strong>un</strong> &eacute;crit&#39;s &amp; co&hellip;</p><p>&nbsp;</p><ul><li>un</li><li>deux &Eacute;t&eacute; &ccedil;a &oelig;</li></ul>";
        assert_eq!(
            html_to_paragraphs(html),
            vec![
                "Au chapitre 3 il est inséré\u{a0}:",
                "«Art. L. 533-4 –",
                "I. Lorsque un écrit's & co…",
                "un",
                "deux Été ça œ",
            ]
        );
        assert_eq!(html_to_paragraphs(""), Vec::<String>::new());
        assert_eq!(
            decode_entities("a &unknown; b & c &#x41;"),
            "a &unknown; b & c A"
        );
        assert_eq!(html_to_paragraphs("x < 5 <b"), vec!["x < 5 <b"]);
    }
}
