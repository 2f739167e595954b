//! HTML page copy to plain text: a linear tag scanner (no DOM), dropping scripts, styles,
//! navigation and elements whose class/id names page chrome (share, breadcrumb, footer …).

pub(crate) struct Page {
    pub text: String,
    pub title: Option<String>,
}

/// Elements whose whole content is dropped.
const SKIP_ELEMENTS: &[&str] = &[
    "script", "style", "noscript", "head", "nav", "footer", "iframe", "svg", "select", "button",
    "form", "template", "object",
];

/// Elements that end a line.
const BLOCK_ELEMENTS: &[&str] = &[
    "p",
    "div",
    "br",
    "li",
    "ul",
    "ol",
    "tr",
    "table",
    "section",
    "article",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "header",
    "main",
    "blockquote",
    "pre",
    "dd",
    "dt",
    "dl",
    "hr",
    "td",
    "th",
    "center",
    "body",
    "html",
];

/// class/id fragments that mark page chrome.
const CHROME_CLASSES: &[&str] = &[
    "share",
    "breadcrumb",
    "crumb",
    "bread",
    "location",
    "position",
    "footer",
    "copyright",
    "toolbar",
    "print",
    "font-size",
    "fontsize",
    "sidebar",
    "menu",
    "nav",
    "topbar",
    "related",
];

/// Maximum nesting of skipped elements we track; deeper markup is treated as text flow.
const MAX_SKIP_DEPTH: usize = 256;

pub(crate) fn to_text(src: &str) -> Page {
    let mut out = String::with_capacity(src.len() / 2);
    let mut title: Option<String> = None;
    // Name of the element being skipped and its nesting depth.
    let mut skip: Option<(String, usize)> = None;
    let mut in_title = false;
    let mut title_buf = String::new();
    let bytes = src.as_bytes();
    let mut i = 0;
    while i < src.len() {
        if bytes[i] != b'<' {
            let next = src[i..].find('<').map_or(src.len(), |p| i + p);
            if skip.is_none() {
                if in_title {
                    title_buf.push_str(&src[i..next]);
                } else {
                    push_text(&mut out, &src[i..next]);
                }
            } else if in_title {
                title_buf.push_str(&src[i..next]);
            }
            i = next;
            continue;
        }
        // Comments and declarations.
        if src[i..].starts_with("<!--") {
            i = src[i + 4..]
                .find("-->")
                .map_or(src.len(), |p| i + 4 + p + 3);
            continue;
        }
        if src[i..].starts_with("<!") || src[i..].starts_with("<?") {
            i = src[i..].find('>').map_or(src.len(), |p| i + p + 1);
            continue;
        }
        let Some(end_rel) = find_tag_end(&src[i..]) else {
            // A lone '<' without a tag: keep it as text.
            if skip.is_none() {
                out.push('<');
            }
            i += 1;
            continue;
        };
        let tag = &src[i + 1..i + end_rel];
        i += end_rel + 1;
        let closing = tag.starts_with('/');
        let name = tag_name(tag);
        if name.is_empty() {
            if skip.is_none() {
                push_text(&mut out, &src[i - end_rel - 1..i]);
            }
            continue;
        }
        if name == "title" {
            in_title = !closing;
            if closing && title.is_none() {
                let t = decode_entities(title_buf.trim());
                if !t.is_empty() {
                    title = Some(t);
                }
            }
            continue;
        }
        if let Some((skip_name, depth)) = &mut skip {
            if *skip_name == name {
                if closing {
                    *depth -= 1;
                    if *depth == 0 {
                        skip = None;
                        out.push('\n');
                    }
                } else if !tag.ends_with('/') && *depth < MAX_SKIP_DEPTH {
                    *depth += 1;
                }
            }
            continue;
        }
        if closing {
            if BLOCK_ELEMENTS.contains(&name.as_str()) {
                out.push('\n');
            }
            continue;
        }
        let self_closing = tag.ends_with('/') || is_void(&name);
        if !self_closing
            && (SKIP_ELEMENTS.contains(&name.as_str()) || has_chrome_class(tag))
            && name != "body"
            && name != "html"
        {
            skip = Some((name, 1));
            continue;
        }
        if BLOCK_ELEMENTS.contains(&name.as_str()) {
            out.push('\n');
        }
    }
    let text = decode_entities(&out);
    let title = title.map(|t| strip_site_suffix(&t));
    Page { text, title }
}

/// Finds the `>` that ends the tag starting at `s[0] == '<'`, skipping quoted attributes.
fn find_tag_end(s: &str) -> Option<usize> {
    let b = s.as_bytes();
    // A tag must start with a letter or '/'.
    match b.get(1) {
        Some(c) if c.is_ascii_alphabetic() || *c == b'/' => {}
        _ => return None,
    }
    let mut quote: Option<u8> = None;
    // Attributes longer than this are not a tag: keeps the scan linear on junk input.
    for (k, &c) in b.iter().enumerate().skip(1).take(4096) {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if c == b'"' || c == b'\'' => quote = Some(c),
            None if c == b'>' => return Some(k),
            None if c == b'<' => return None,
            None => {}
        }
    }
    None
}

fn tag_name(tag: &str) -> String {
    tag.trim_start_matches('/')
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric())
        .collect::<String>()
        .to_ascii_lowercase()
}

fn is_void(name: &str) -> bool {
    matches!(
        name,
        "br" | "hr" | "img" | "meta" | "link" | "input" | "wbr" | "source" | "area" | "col"
    )
}

fn has_chrome_class(tag: &str) -> bool {
    let lower = tag.to_ascii_lowercase();
    ["class=", "id="].iter().any(|attr| {
        lower.match_indices(attr).any(|(p, _)| {
            let val: String = lower[p + attr.len()..]
                .trim_start_matches(['"', '\''])
                .chars()
                .take_while(|c| *c != '"' && *c != '\'' && *c != '>')
                .collect();
            CHROME_CLASSES.iter().any(|c| val.contains(c))
        })
    })
}

fn push_text(out: &mut String, s: &str) {
    // HTML whitespace (including source line breaks) collapses to one space.
    let mut last_space = out.ends_with([' ', '\n']);
    for c in s.chars() {
        if c.is_ascii_whitespace() {
            if !last_space {
                out.push(' ');
                last_space = true;
            }
        } else {
            out.push(c);
            last_space = false;
        }
    }
}

fn strip_site_suffix(t: &str) -> String {
    for sep in ["_", " - ", "|", "－"] {
        if let Some(p) = t.find(sep) {
            let head = t[..p].trim();
            if !head.is_empty() {
                return head.to_string();
            }
        }
    }
    t.trim().to_string()
}

/// Decodes the entities that occur in Chinese government pages, and numeric ones.
pub(crate) fn decode_entities(s: &str) -> String {
    if !s.contains('&') {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(p) = rest.find('&') {
        out.push_str(&rest[..p]);
        rest = &rest[p..];
        let end = rest[1..]
            .char_indices()
            .take(12)
            .find(|(_, c)| *c == ';')
            .map(|(k, _)| k + 1);
        let decoded = end.and_then(|e| {
            let name = &rest[1..e];
            entity(name).map(|c| (c, e + 1))
        });
        match decoded {
            Some((c, len)) => {
                out.push(c);
                rest = &rest[len..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

fn entity(name: &str) -> Option<char> {
    if let Some(num) = name.strip_prefix('#') {
        let code = if let Some(hex) = num.strip_prefix(['x', 'X']) {
            u32::from_str_radix(hex, 16).ok()?
        } else {
            num.parse::<u32>().ok()?
        };
        return char::from_u32(code)
            .filter(|c| *c != '\u{FFFD}' && (!c.is_control() || matches!(c, '\n' | '\t')));
    }
    Some(match name {
        "nbsp" | "ensp" | "emsp" | "thinsp" => ' ',
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        "ldquo" => '“',
        "rdquo" => '”',
        "lsquo" => '‘',
        "rsquo" => '’',
        "mdash" => '—',
        "ndash" => '–',
        "hellip" => '…',
        "middot" => '·',
        "times" => '×',
        "copy" => '©',
        "reg" => '®',
        "laquo" => '«',
        "raquo" => '»',
        "bull" => '•',
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_tags_scripts_and_chrome_elements() {
        let page = to_text(
            "<html><head><title>关于整改的通报_某某网</title><style>p{color:red}</style></head>\
             <body><div class=\"breadcrumb\">首页 &gt; 通知公告</div>\
             <script>var a = '<p>不要</p>';</script>\
             <div class='bdsharebuttonbox'><a>分享到</a></div>\
             <p>第一段&nbsp;文字&ldquo;引号&rdquo;</p><p>第二段<br>第三段 &#x4E00;&#20108;</p>\
             <footer>版权所有</footer></body></html>",
        );
        assert_eq!(page.title.as_deref(), Some("关于整改的通报"));
        let lines: Vec<&str> = page
            .text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect();
        assert_eq!(lines, ["第一段 文字“引号”", "第二段", "第三段 一二"]);
    }

    #[test]
    fn unbalanced_markup_does_not_panic() {
        for s in [
            "<",
            "<<>>",
            "<p",
            "<div class=\"share\"><div>",
            "&#xFFFFFF;&#0;&",
            "</a>",
        ] {
            let _ = to_text(s);
        }
        assert_eq!(decode_entities("a&#0;b&#xD800;"), "a&#0;b&#xD800;");
    }
}
