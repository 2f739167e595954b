//! Charts drawn by the server as SVG geometry (numbers only; labels are escaped by the
//! templates in `macros.html`). Every chart is shown next to a table with the same numbers.

/// One horizontal bar.
pub struct HBar {
    pub label: String,
    /// The figure printed at the bar's end (e.g. `98.71%` or `12`).
    pub text: String,
    pub y: i64,
    pub width: i64,
    /// `ok`, `warn`, `bad` or `plain` (a fill colour in the macro).
    pub tone: &'static str,
}

/// A horizontal bar chart.
pub struct HBarChart {
    pub id: String,
    pub title: String,
    pub height: i64,
    pub bars: Vec<HBar>,
}

pub const WIDTH: i64 = 640;
pub const LABEL_W: i64 = 220;
pub const BAR_MAX: i64 = 340;
const ROW_H: i64 = 26;

impl HBarChart {
    /// Bars proportional to `value / max` (values and max in the same unit).
    pub fn new(id: &str, title: &str, rows: Vec<(String, i64, String, &'static str)>) -> Self {
        let max = rows.iter().map(|r| r.1).max().unwrap_or(0).max(1);
        Self::scaled(id, title, rows, max)
    }

    /// Bars proportional to `value / max` with a fixed `max` (e.g. 10 000 basis points).
    pub fn scaled(
        id: &str,
        title: &str,
        rows: Vec<(String, i64, String, &'static str)>,
        max: i64,
    ) -> Self {
        let bars: Vec<HBar> = rows
            .into_iter()
            .enumerate()
            .map(|(i, (label, value, text, tone))| HBar {
                label: truncate(&label, 16),
                text,
                y: i as i64 * ROW_H + 4,
                width: (value.max(0) * BAR_MAX / max.max(1)).min(BAR_MAX),
                tone,
            })
            .collect();
        HBarChart {
            id: id.to_string(),
            title: title.to_string(),
            height: bars.len() as i64 * ROW_H + 8,
            bars,
        }
    }
}

/// One month of a two-series column chart.
pub struct VGroup {
    pub label: String,
    pub x: i64,
    pub a_y: i64,
    pub a_h: i64,
    pub b_y: i64,
    pub b_h: i64,
}

/// Two series per month as columns (e.g. due and closed).
pub struct VBarChart {
    pub id: String,
    pub title: String,
    pub a_name: String,
    pub b_name: String,
    pub groups: Vec<VGroup>,
    pub max_text: String,
}

pub const V_HEIGHT: i64 = 160;
pub const V_BASE: i64 = 170;

impl VBarChart {
    pub fn new(
        id: &str,
        title: &str,
        names: (&str, &str),
        points: Vec<(String, i64, i64)>,
    ) -> Self {
        let max = points
            .iter()
            .map(|p| p.1.max(p.2))
            .max()
            .unwrap_or(0)
            .max(1);
        let groups = points
            .into_iter()
            .enumerate()
            .map(|(i, (label, a, b))| {
                let a_h = a * V_HEIGHT / max;
                let b_h = b * V_HEIGHT / max;
                VGroup {
                    label,
                    x: 40 + i as i64 * 50,
                    a_y: V_BASE - a_h,
                    a_h,
                    b_y: V_BASE - b_h,
                    b_h,
                }
            })
            .collect();
        VBarChart {
            id: id.to_string(),
            title: title.to_string(),
            a_name: names.0.to_string(),
            b_name: names.1.to_string(),
            groups,
            max_text: max.to_string(),
        }
    }
}

/// At most `n` characters, with an ellipsis when cut.
pub fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(n - 1).collect();
        t.push('…');
        t
    }
}

/// Basis points as a percentage with two decimals (`9871` → `98.71%`).
pub fn percent(bp: i64) -> String {
    format!("{}.{:02}%", bp / 100, bp % 100)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_scale_to_the_largest_and_never_overflow() {
        let c = HBarChart::new(
            "x",
            "t",
            vec![
                ("a".into(), 5, "5".into(), "plain"),
                ("b".into(), 10, "10".into(), "plain"),
                ("c".into(), 0, "0".into(), "plain"),
            ],
        );
        assert_eq!(c.bars[1].width, BAR_MAX);
        assert_eq!(c.bars[0].width, BAR_MAX / 2);
        assert_eq!(c.bars[2].width, 0);
        let r = HBarChart::scaled(
            "r",
            "t",
            vec![("a".into(), 12_000, "".into(), "ok")],
            10_000,
        );
        assert_eq!(r.bars[0].width, BAR_MAX);
    }

    #[test]
    fn percent_and_truncate() {
        assert_eq!(percent(9871), "98.71%");
        assert_eq!(percent(5), "0.05%");
        assert_eq!(truncate("第一方面问题关于落实", 5), "第一方面…");
    }

    #[test]
    fn columns_share_one_scale() {
        let v = VBarChart::new(
            "v",
            "t",
            ("a", "b"),
            vec![("01".into(), 4, 2), ("02".into(), 0, 8)],
        );
        assert_eq!(v.groups[1].b_h, V_HEIGHT);
        assert_eq!(v.groups[0].a_h, V_HEIGHT / 2);
        assert_eq!(v.groups[0].a_y + v.groups[0].a_h, V_BASE);
    }
}
