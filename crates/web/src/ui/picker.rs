//! Pickers: a form field naming an inspection, a unit or a person. A `<select>` when there
//! are few to choose from (at most [`LIST_MAX`]), otherwise a text field whose name is
//! resolved on the server — exactly, else by part of the name; equal names are told apart
//! with a short list of radio buttons — so a page never lists thousands of options and
//! everything works without JavaScript.
//!
//! Fields: `<field>` (the select's id, or the typed name or `#id`) and `<field>_id` (the id
//! the page resolved last time or the radio button chosen; used only while the typed name
//! still matches it, so editing the name searches again).

use rectify_store::Store;
use rectify_store::dashboard::{Choice, PickScope};

use super::Locale;

/// Above this many choices a picker is a search field.
pub const LIST_MAX: i64 = 50;

/// Matches offered as radio buttons when a typed name is ambiguous.
const MATCH_MAX: i64 = 10;

/// A picker as the page shows it.
#[derive(Debug, Clone)]
pub struct Picker {
    /// The form field's name (the hidden / radio field is `<field>_id`).
    pub field: &'static str,
    /// The element id the label points at.
    pub html_id: &'static str,
    pub label: String,
    /// The empty option's text (`All`, `—`).
    pub blank: String,
    /// The whole list, when short enough for a select.
    pub options: Option<Vec<Choice>>,
    /// The text field's value: the chosen one's name, or what was typed.
    pub text: String,
    pub chosen: Option<Choice>,
    /// Several match what was typed: choose one.
    pub matches: Vec<Choice>,
    /// More than [`MATCH_MAX`] match.
    pub more_matches: bool,
    pub error: Option<String>,
    pub hint: String,
    pub choose: String,
}

impl Picker {
    /// The chosen id, when one is chosen.
    pub fn id(&self) -> Option<i64> {
        self.chosen.as_ref().map(|c| c.id)
    }

    /// Is `id` the chosen option (for the select)?
    pub fn is_chosen(&self, id: &i64) -> bool {
        self.id() == Some(*id)
    }

    /// Did what was typed fail to resolve?
    pub fn failed(&self) -> bool {
        self.error.is_some()
    }
}

/// What the picker is for, and what to call it on the page.
pub struct PickerSpec {
    pub field: &'static str,
    pub html_id: &'static str,
    pub label: String,
    pub blank: String,
    pub scope: PickScope,
}

/// `#12` or `12`: an id typed or carried by a link or a select.
fn typed_id(t: &str) -> Option<i64> {
    let t = t.trim();
    let t = t.strip_prefix('#').unwrap_or(t);
    if t.is_empty() || !t.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    t.parse().ok().filter(|v| *v > 0)
}

/// Resolve what the form sent (`text` in `<field>`, `id` in `<field>_id`) into a picker.
/// Nothing typed chooses nothing; an unknown or ambiguous name is an error naming the field.
pub async fn resolve(
    store: &Store,
    l: Locale,
    spec: PickerSpec,
    text: &str,
    id: &str,
) -> Result<Picker, rectify_store::StoreError> {
    let list = store.pick_list_upto(&spec.scope, LIST_MAX).await?;
    let small = list.is_some();
    let typed = text.trim();
    let mut chosen = None;
    let mut matches = Vec::new();
    let mut more_matches = false;
    let mut error = None;
    if !typed.is_empty() {
        // The id the page carried, while the typed name still matches it.
        if let Some(i) = typed_id(id) {
            chosen = store
                .pick_id(&spec.scope, i)
                .await?
                .filter(|c| c.label == typed || c.label.contains(typed));
        }
        if chosen.is_none() {
            if let Some(i) = typed_id(typed) {
                chosen = store.pick_id(&spec.scope, i).await?;
                if chosen.is_none() {
                    error = Some(message(l, "pick.not_found", &spec.label, typed, 0));
                }
            } else {
                let mut found = store.pick_search(&spec.scope, typed, MATCH_MAX + 1).await?;
                match found.len() {
                    0 => error = Some(message(l, "pick.not_found", &spec.label, typed, 0)),
                    1 => chosen = found.pop(),
                    n => {
                        more_matches = n as i64 > MATCH_MAX;
                        found.truncate(MATCH_MAX as usize);
                        error = Some(message(
                            l,
                            if more_matches {
                                "pick.too_many"
                            } else {
                                "pick.ambiguous"
                            },
                            &spec.label,
                            typed,
                            found.len(),
                        ));
                        matches = found;
                    }
                }
            }
        }
    }
    let text = match &chosen {
        Some(c) => c.label.clone(),
        None => typed.to_string(),
    };
    let hint = match &chosen {
        Some(c) => match &c.detail {
            Some(d) => format!("{}{} · {d}", l.t("pick.chosen"), c.label),
            None => format!("{}{}", l.t("pick.chosen"), c.label),
        },
        None => l.t("pick.hint").to_string(),
    };
    Ok(Picker {
        field: spec.field,
        html_id: spec.html_id,
        label: spec.label,
        blank: spec.blank,
        options: list,
        text,
        chosen,
        // A select shows every option already; radio buttons only beside a search field.
        matches: if small { Vec::new() } else { matches },
        more_matches,
        error,
        hint,
        choose: l.t("pick.choose").to_string(),
    })
}

fn message(l: Locale, id: &str, field: &str, typed: &str, n: usize) -> String {
    l.t(id)
        .replace("{field}", field)
        .replace("{text}", typed)
        .replace("{n}", &n.to_string())
}

#[cfg(test)]
mod tests {
    use super::typed_id;

    #[test]
    fn ids_typed_or_carried() {
        assert_eq!(typed_id("12"), Some(12));
        assert_eq!(typed_id(" #7 "), Some(7));
        assert_eq!(typed_id("0"), None);
        assert_eq!(typed_id("市教育局"), None);
        assert_eq!(typed_id("12a"), None);
        assert_eq!(typed_id(""), None);
    }
}
