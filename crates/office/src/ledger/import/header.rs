//! Finding the header of a messy ledger: anywhere in the first 15 rows, possibly two rows (a
//! group header over sub-headers), with the synonyms offices use for the standard columns.

use super::source::{Grid, MAX_COLS};
use crate::ledger::Column;

/// Rows searched for the header.
pub const HEADER_ROWS: u32 = 15;

/// Header texts that mean a standard column, after [`fold`] (whitespace dropped, full-width
/// brackets folded). The standard header itself always matches ([`Column::from_header`]).
const SYNONYMS: &[(Column, &[&str])] = &[
    (Column::No, &["序号", "编号", "问题序号", "序", "no", "no."]),
    (
        Column::Aspect,
        &[
            "方面",
            "问题方面",
            "所属方面",
            "问题类别",
            "类别",
            "问题类型",
            "板块",
        ],
    ),
    (
        Column::Problem,
        &[
            "问题",
            "存在问题",
            "问题表现",
            "反馈问题",
            "具体问题",
            "问题描述",
            "主要问题",
            "问题清单",
            "巡察反馈问题",
            "巡视反馈问题",
            "反馈意见",
            "问题内容",
        ],
    ),
    (
        Column::Measure,
        &[
            "整改措施",
            "整改举措",
            "措施",
            "具体措施",
            "整改任务",
            "任务清单",
            "整改措施清单",
            "具体整改措施",
        ],
    ),
    (Column::Kind, &["整改类型", "整改方式", "类型", "整改类别"]),
    (
        Column::Leader,
        &["责任领导", "牵头领导", "分管领导", "责任领导人", "领导"],
    ),
    (
        Column::Unit,
        &[
            "责任单位",
            "责任部门",
            "牵头单位",
            "牵头部门",
            "责任科室",
            "责任处室",
            "责任股室",
            "责任单位(部门)",
        ],
    ),
    (
        Column::Owner,
        &["责任人", "具体责任人", "经办人", "联系人", "直接责任人"],
    ),
    (
        Column::Deadline,
        &[
            "完成时限",
            "整改时限",
            "完成时间",
            "整改期限",
            "时限",
            "完成期限",
            "时限要求",
            "整改完成时限",
        ],
    ),
    (
        Column::Progress,
        &[
            "整改进展",
            "整改进展情况",
            "进展情况",
            "整改情况",
            "工作进展",
            "进展",
        ],
    ),
    (
        Column::Status,
        &[
            "完成情况",
            "整改状态",
            "状态",
            "是否完成",
            "完成状态",
            "整改结果",
        ],
    ),
    (
        Column::Evidence,
        &[
            "佐证材料(数)",
            "佐证材料",
            "佐证材料数",
            "支撑材料",
            "佐证材料(份)",
        ],
    ),
    (Column::Remarks, &["备注", "说明"]),
];

/// Compare headers: whitespace dropped, full-width brackets and letters folded, lower case.
pub fn fold(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            '（' => '(',
            '）' => ')',
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            c => c,
        })
        .flat_map(char::to_lowercase)
        .collect()
}

/// The standard column a header text means, if any.
pub fn column_of(header: &str) -> Option<Column> {
    if let Some(c) = Column::from_header(header) {
        return Some(c);
    }
    let f = fold(header);
    if f.is_empty() {
        return None;
    }
    SYNONYMS
        .iter()
        .find(|(_, names)| names.iter().any(|n| fold(n) == f))
        .map(|(c, _)| *c)
}

/// Where a sheet's header is and what each column means.
#[derive(Debug, Clone, PartialEq)]
pub struct Header {
    /// 0-based rows of the header (one or two).
    pub rows: Vec<u32>,
    /// First data row (0-based).
    pub data_from: u32,
    /// Standard column → sheet column (0-based). A column mapped twice keeps the first.
    pub columns: Vec<(Column, usize)>,
    /// Other columns with their header text: kept as notes in 备注.
    pub notes: Vec<(String, usize)>,
    /// Header text as written, per mapped sheet column (for messages).
    pub labels: Vec<(usize, String)>,
}

impl Header {
    pub fn col(&self, c: Column) -> Option<usize> {
        self.columns.iter().find(|(k, _)| *k == c).map(|(_, i)| *i)
    }
    pub fn label(&self, sheet_col: usize) -> &str {
        self.labels
            .iter()
            .find(|(i, _)| *i == sheet_col)
            .map(|(_, s)| s.as_str())
            .unwrap_or("")
    }
}

fn recognised(g: &Grid, row: u32) -> Vec<(usize, Column)> {
    let mut out: Vec<(usize, Column)> = Vec::new();
    if let Some(r) = g.rows.get(&row) {
        for (i, v) in r.iter().enumerate().take(MAX_COLS) {
            if let Some(c) = column_of(&v.text())
                && !out.iter().any(|(_, k)| *k == c)
            {
                out.push((i, c));
            }
        }
    }
    out
}

/// Find the header: the row among the first [`HEADER_ROWS`] that names the most standard
/// columns (at least two, one of them 问题 or 整改措施). The row below joins it when it names
/// columns this row leaves unnamed and adds nothing where this row has a name (a sub-header
/// under a group header); the row above lends its text to columns this row leaves blank (a
/// group header over merged sub-headers).
pub fn find(g: &Grid) -> Option<Header> {
    let first = *g.rows.keys().next()?;
    let mut best: Option<(u32, usize)> = None;
    for (&r, _) in g.rows.range(first..first.saturating_add(HEADER_ROWS)) {
        if r >= HEADER_ROWS {
            break;
        }
        let rec = recognised(g, r);
        let core = rec
            .iter()
            .any(|(_, c)| matches!(c, Column::Problem | Column::Measure));
        if core && rec.len() >= 2 && best.is_none_or(|(_, n)| rec.len() > n) {
            best = Some((r, rec.len()));
        }
    }
    let (h, _) = best?;
    let mut rows = vec![h];
    let top = recognised(g, h);
    let below = recognised(g, h + 1);
    let sub = !below.is_empty()
        && below.iter().all(|(i, c)| {
            let above = g.cell(h, *i).text();
            column_of(&above).is_none_or(|a| a == *c) || above.is_empty()
        })
        && below
            .iter()
            .any(|(i, c)| !top.iter().any(|(j, k)| j == i && k == c));
    if sub {
        rows.push(h + 1);
    }
    // The upper half of a vertically merged header (its names agree with this row's) is
    // part of the header too.
    if h > 0 {
        let above = recognised(g, h - 1);
        if !above.is_empty() && above.iter().all(|a| top.contains(a)) {
            rows.insert(0, h - 1);
        }
    }
    let data_from = rows[rows.len() - 1] + 1;
    let width = rows
        .iter()
        .filter_map(|r| g.rows.get(r).map(Vec::len))
        .max()
        .unwrap_or(0);
    let mut columns: Vec<(Column, usize)> = Vec::new();
    let mut notes = Vec::new();
    let mut labels = Vec::new();
    for i in 0..width.min(MAX_COLS) {
        // The lowest header row names the column; a group header above is the fallback.
        let mut texts: Vec<String> = rows
            .iter()
            .rev()
            .map(|r| g.cell(*r, i).text())
            .filter(|t| !t.is_empty())
            .collect();
        if texts.is_empty() && h > 0 {
            let above = g.cell(h - 1, i).text();
            if !above.is_empty() && recognised(g, h - 1).len() < 2 {
                texts.push(above);
            }
        }
        let Some(label) = texts.first().cloned() else {
            continue;
        };
        let col = texts.iter().find_map(|t| column_of(t));
        match col {
            Some(c) if !columns.iter().any(|(k, _)| *k == c) => {
                columns.push((c, i));
                labels.push((i, label));
            }
            _ => {
                labels.push((i, label.clone()));
                notes.push((label, i));
            }
        }
    }
    Some(Header {
        rows,
        data_from,
        columns,
        notes,
        labels,
    })
}

#[cfg(test)]
mod tests {
    use super::super::source::Value;
    use super::*;

    fn grid(rows: &[&[&str]]) -> Grid {
        let mut g = Grid::default();
        for (r, cells) in rows.iter().enumerate() {
            let v: Vec<Value> = cells
                .iter()
                .map(|s| {
                    if s.is_empty() {
                        Value::Empty
                    } else {
                        Value::Text((*s).into())
                    }
                })
                .collect();
            if v.iter().any(|c| !c.is_empty()) {
                g.rows.insert(r as u32, v);
            }
        }
        g
    }

    #[test]
    fn synonyms_map_to_the_standard_columns() {
        for (s, c) in [
            ("责任部门", Column::Unit),
            ("牵头单位", Column::Unit),
            ("整改时限", Column::Deadline),
            ("完成时间", Column::Deadline),
            ("整改举措", Column::Measure),
            ("存在问题", Column::Problem),
            ("问题表现", Column::Problem),
            ("佐证材料（数）", Column::Evidence),
            (" 责 任 人 ", Column::Owner),
            ("Responsible unit", Column::Unit),
        ] {
            assert_eq!(column_of(s), Some(c), "{s}");
        }
        assert_eq!(column_of("联络员电话"), None);
    }

    #[test]
    fn the_header_is_found_below_a_title_with_a_sub_header() {
        let g = grid(&[
            &["某某单位巡察整改台账"],
            &["填报日期: 2022年3月"],
            &[],
            &[
                "序号",
                "存在问题",
                "整改举措",
                "责任主体",
                "",
                "",
                "整改时限",
                "联络员电话",
            ],
            &["", "", "", "责任领导", "责任部门", "责任人", "", ""],
            &[
                "1",
                "问题甲",
                "措施一",
                "张三",
                "办公室",
                "李四",
                "2022.3.31",
                "123",
            ],
        ]);
        let h = find(&g).unwrap();
        assert_eq!(h.rows, vec![3, 4]);
        assert_eq!(h.data_from, 5);
        assert_eq!(h.col(Column::No), Some(0));
        assert_eq!(h.col(Column::Problem), Some(1));
        assert_eq!(h.col(Column::Measure), Some(2));
        assert_eq!(h.col(Column::Leader), Some(3));
        assert_eq!(h.col(Column::Unit), Some(4));
        assert_eq!(h.col(Column::Owner), Some(5));
        assert_eq!(h.col(Column::Deadline), Some(6));
        assert_eq!(h.notes, vec![("联络员电话".to_string(), 7)]);
        assert_eq!(h.label(4), "责任部门");
    }

    #[test]
    fn no_header_in_the_first_rows_is_none() {
        let mut rows: Vec<&[&str]> = vec![&["x"]; 15];
        rows.push(&["序号", "问题", "整改措施"]);
        assert!(find(&grid(&rows)).is_none());
        assert!(find(&grid(&[&["序号", "问题", "整改措施"]])).is_some());
        // Names only: not a ledger.
        assert!(find(&grid(&[&["序号", "备注"]])).is_none());
    }
}
