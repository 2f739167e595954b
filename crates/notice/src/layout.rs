//! Page layout: splits text into numbered lines, drops page chrome (site names, share and
//! font-size bars, breadcrumbs, copyright and ICP lines, anything after the signature),
//! and finds the title, the body, the closing paragraph and the signature.

use std::sync::LazyLock;

use regex::Regex;

use crate::dates::{Ymd, first_full_date, parse_full_date, trailing_full_date};
use crate::model::Warning;

/// A non-empty, trimmed line with its 1-based number in the input text.
#[derive(Debug, Clone)]
pub(crate) struct Line {
    pub no: usize,
    pub text: String,
}

pub(crate) struct Layout {
    pub title: Option<String>,
    /// Date from a 发布日期 metadata line.
    pub meta_published: Option<Ymd>,
    pub signature_issuer: Option<String>,
    pub signature_date: Option<Ymd>,
    /// Paragraphs between the title and the closing paragraph, as a range of `all`.
    pub body: std::ops::Range<usize>,
    /// Every kept line from the title to the signature date, for the extractors.
    pub all: Vec<Line>,
}

const CHROME_WORDS: &[&str] = &[
    "索引号",
    "分享到",
    "分享：",
    "分享:",
    "【打印",
    "打印本页",
    "打印此页",
    "打印正文",
    "关闭窗口",
    "【关闭",
    "字体大小",
    "【字体",
    "字号：",
    "字号:",
    "【大】",
    "【 大 】",
    "浏览量",
    "浏览次数",
    "阅读量",
    "阅读次数",
    "访问量",
    "访问次数",
    "点击数",
    "点击量",
    "扫一扫",
    "当前位置",
    "您的位置",
    "您现在的位置",
    "所在位置",
    "网站地图",
    "版权所有",
    "ICP备",
    "ICP证",
    "公网安备",
    "网站标识码",
    "网站识别码",
    "技术支持",
    "上一篇",
    "下一篇",
    "收藏本页",
    "设为首页",
    "加入收藏",
    "返回顶部",
    "相关链接",
    "相关文章",
    "相关阅读",
    "推荐阅读",
    "返回列表",
    "【返回】",
    "微信扫一扫",
    "无障碍",
    "长者模式",
    "适老化",
    "Copyright",
    "copyright",
    "©",
];

/// All of `CHROME_WORDS` in one literal search.
static CHROME_RE: LazyLock<Regex> = LazyLock::new(|| {
    let alts: Vec<String> = CHROME_WORDS.iter().map(|w| regex::escape(w)).collect();
    Regex::new(&alts.join("|")).expect("chrome regex")
});
/// How the name of an organisation ends (for `issuer date` signature lines).
static ORG_END_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:党组|委员会|党委|党工委|委|局|办公室|办|政府|公司|集团|组|院|部|厅|会|所|中心|支部|总支)$")
        .expect("org regex")
});
static META_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^(?:信息来源|文章来源|来源|发布日期|发布时间|发布机构|成文日期|主题分类|作者|编辑|责任编辑|发文机关|主办单位|承办单位|主办|承办|联系我们)\s*[:：]",
    )
    .expect("meta regex")
});
static META_ANY_RE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?:发布日期|发布时间|发布于)\s*[:：]?").expect("meta regex"));
static BREADCRUMB_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?:首页|网站首页|主页)\s*(?:>|＞|»|›|→|/|\||-)").expect("crumb regex")
});
static TITLE_WORD_RE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"通报|公告|公示|情况|报告|通知").expect("title regex"));
static TITLE_END_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:通报|公告|公示|情况|报告|通知)[)）]?$").expect("title end regex")
});
static CLOSING_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^(?:欢迎|如有意见|如对|如有建议|联系方式|联系电话|举报电话|监督电话|电子邮箱|电子信箱|邮政信箱|通信地址|通讯地址|来信请寄|特此通报)|欢迎广大干部群众|欢迎社会各界|欢迎广大党员",
    )
    .expect("closing regex")
});
static HEADING_START_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?:[一二三四五六七八九十]+[、.．]|[(（][一二三四五六七八九十\d]+[)）]|\d{1,2}\s*[.．、]|第[一二三四五六七八九十\d]+方面)")
        .expect("heading regex")
});

pub(crate) fn is_heading_start(s: &str) -> bool {
    HEADING_START_RE.is_match(s)
}

fn trim(s: &str) -> &str {
    s.trim_matches(|c: char| {
        c.is_whitespace() || c == '\u{3000}' || c == '\u{feff}' || c == '\u{a0}'
    })
}

/// Control characters (ESC sequences, C1 codes) never reach the output, where they could
/// rewrite a terminal or a log line; a tab becomes a space.
fn strip_controls(s: &str) -> String {
    if !s.chars().any(char::is_control) {
        return s.to_string();
    }
    s.chars()
        .filter_map(|c| match c {
            '\t' => Some(' '),
            c if c.is_control() => None,
            c => Some(c),
        })
        .collect()
}

/// Splits into non-empty trimmed lines, numbered from 1 as in the input.
pub(crate) fn lines(text: &str) -> Vec<Line> {
    let mut out = Vec::new();
    for (i, raw) in text.split('\n').enumerate() {
        let raw = raw.strip_suffix('\r').unwrap_or(raw);
        // Old Mac line ends and form feeds also break lines; they keep the line number.
        for part in raw.split(['\r', '\u{2028}', '\u{2029}', '\x0c']) {
            let t = trim(part);
            if !t.is_empty() {
                out.push(Line {
                    no: i + 1,
                    text: strip_controls(t),
                });
            }
        }
    }
    out
}

/// Page chrome: navigation, share/print/font bars, counters, copyright and licence lines.
fn is_chrome(s: &str) -> bool {
    let n = s.chars().count();
    if n <= 120 && CHROME_RE.is_match(s) {
        return true;
    }
    if n <= 20 && (s.contains("朗读") || s.contains("分享") || s == "打印" || s == "关闭") {
        return true;
    }
    n <= 200 && BREADCRUMB_RE.is_match(s)
}

fn is_meta(s: &str) -> bool {
    s.chars().count() <= 120
        && (META_RE.is_match(s) || META_ANY_RE.is_match(s) && !s.contains('。'))
}

impl Layout {
    /// The body paragraphs (between the title and the closing paragraph).
    pub(crate) fn body(&self) -> &[Line] {
        self.all.get(self.body.clone()).unwrap_or_default()
    }
}

fn is_signature_name(s: &str) -> bool {
    s.chars().count() <= 40
        && !s.contains(['。', '，', ',', ':', '：', '；', ';'])
        && !is_heading_start(s)
}

/// A signature date line: the date alone, or `issuer date` on one line.
fn signature_line(s: &str) -> Option<(Option<String>, Ymd)> {
    if let Some(d) = parse_full_date(s) {
        return Some((None, d));
    }
    if s.chars().count() > 60 {
        return None;
    }
    let (at, d) = trailing_full_date(s)?;
    let name = s[..at].trim();
    let org = ORG_END_RE.is_match(name);
    (org && is_signature_name(name)).then(|| (Some(name.to_string()), d))
}

pub(crate) fn layout(text: &str, page_title: Option<&str>, warnings: &mut Vec<Warning>) -> Layout {
    let mut meta_published = None;
    let mut kept: Vec<Line> = Vec::new();
    for l in lines(text) {
        if is_meta(&l.text) {
            if meta_published.is_none() && META_ANY_RE.is_match(&l.text) {
                meta_published = first_full_date(&l.text);
            }
            continue;
        }
        if is_chrome(&l.text) {
            continue;
        }
        kept.push(l);
    }

    // The signature date: the last line that is exactly a full date. Anything after it is
    // the page around the notice (copyright, a site address, menus).
    // A date line followed by headings or much prose is a dateline under the title, not
    // the signature.
    let sig_idx = kept
        .iter()
        .rposition(|l| signature_line(&l.text).is_some())
        .filter(|&i| {
            let after = &kept[i + 1..];
            !after.iter().any(|l| is_heading_start(&l.text))
                && after
                    .iter()
                    .filter(|l| l.text.contains('。') && l.text.chars().count() > 60)
                    .count()
                    < 3
        });
    let mut signature_date = None;
    let mut signature_issuer = None;
    let mut issuer_own_line = false;
    let mut end = kept.len();
    if let Some(i) = sig_idx {
        let (inline_issuer, date) = signature_line(&kept[i].text).unzip();
        signature_date = date;
        signature_issuer = inline_issuer.flatten();
        for l in &kept[i + 1..] {
            if l.text.contains("附件") || (l.text.chars().count() > 60 && l.text.contains('。'))
            {
                warnings.push(Warning::new(
                    "ignored_after_signature",
                    Some(l.no),
                    format!(
                        "line {}: text after the signature date is not read as part of the notice",
                        l.no
                    ),
                ));
            }
        }
        end = i;
        if i > 0 && signature_issuer.is_none() {
            let prev = &kept[i - 1].text;
            if is_signature_name(prev) {
                signature_issuer = Some(prev.clone());
                issuer_own_line = true;
            }
        }
    }
    kept.truncate(sig_idx.map_or(kept.len(), |i| i + 1));
    let view = &kept[..end];

    // The title: the first title-like line near the top; lines above it are site chrome.
    let mut title = None;
    let mut body_start = 0;
    let mut first_kept = 0;
    for (i, l) in view.iter().enumerate().take(12) {
        let n = l.text.chars().count();
        if n <= 120
            && !l.text.contains('。')
            && TITLE_WORD_RE.is_match(&l.text)
            && !l.text.starts_with("根据")
            && !l.text.starts_with("按照")
            && !is_heading_start(&l.text)
        {
            let mut t = l.text.clone();
            body_start = i + 1;
            if !TITLE_END_RE.is_match(&t)
                && let Some(next) = view.get(i + 1)
                && next.text.chars().count() <= 60
                && !next.text.contains('。')
                && TITLE_END_RE.is_match(&next.text)
            {
                t.push_str(&next.text);
                body_start = i + 2;
            }
            first_kept = i;
            // A long title wrapped before its end: 《…关于…巡察》 / 《整改进展情况的通报》.
            if i > 0 {
                let prev = &view[i - 1].text;
                if prev.contains("关于") && prev.chars().count() <= 60 && !prev.contains('。') {
                    t = format!("{prev}{t}");
                    first_kept = i - 1;
                }
            }
            title = Some(t);
            break;
        }
        if n > 120 || l.text.contains('。') || is_heading_start(&l.text) {
            break; // reached the body without a title line
        }
    }
    if title.is_none() {
        if let Some(pt) = page_title.filter(|t| !t.trim().is_empty()) {
            title = Some(strip_controls(pt.trim()));
        } else {
            warnings.push(Warning::new(
                "no_title",
                None,
                "no title line (…的通报) found near the top",
            ));
        }
        // Short lines above the first real paragraph are site names and menus.
        body_start = view
            .iter()
            .position(|l| {
                l.text.chars().count() > 30 || l.text.contains('。') || is_heading_start(&l.text)
            })
            .unwrap_or(0);
        first_kept = body_start;
    }

    let mut body_end = view.len();
    if issuer_own_line && body_end > body_start {
        body_end -= 1;
    }
    let rest = &view[body_start.min(body_end)..body_end];
    let closing_at = rest
        .iter()
        .position(|l| !is_heading_start(&l.text) && CLOSING_RE.is_match(&l.text))
        .unwrap_or(rest.len());
    // The closing paragraphs (欢迎…监督, contacts) stay out of the problem tree; the
    // extractors still read them through `all`.
    let body_lo = body_start.min(body_end).saturating_sub(first_kept);
    let body = body_lo..body_lo + closing_at;
    // Lines are moved, not copied: the whole input may be megabytes.
    let all: Vec<Line> = kept.drain(first_kept.min(kept.len())..).collect();
    Layout {
        title,
        meta_published,
        signature_issuer,
        signature_date,
        body,
        all,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_dropped() {
        let l = lines("a\u{1b}[2Jb\tc\u{85}d\r\ne");
        let texts: Vec<&str> = l.iter().map(|l| l.text.as_str()).collect();
        assert_eq!(texts, ["a[2Jb cd", "e"]);
    }

    #[test]
    fn chrome_lines() {
        for s in [
            "索引号：11441900007330139N/2021-00123",
            "分享到：",
            "朗读",
            "浏览量：1024",
            "首页 > 通知公告 > 巡察整改",
            "中共东莞市纪律检查委员会、东莞市监察委员会版权所有",
            "粤ICP备19111585号-1 网站地图",
            "【字体：大 中 小】 【打印本页】 【关闭窗口】",
        ] {
            assert!(is_chrome(s) || is_meta(s), "{s}");
        }
        for s in [
            "一是加强学习交流，分享经验做法，形成了《学习分享手册》等一批成果，推动工作走深走实，取得了扎实成效。",
            "(一)针对党组发挥领导作用不够充分的问题",
        ] {
            assert!(!is_chrome(s) && !is_meta(s), "{s}");
        }
    }

    #[test]
    fn finds_title_signature_and_drops_trailing_chrome() {
        let mut w = Vec::new();
        let l = layout(
            "某某网\n\n中共某某委员会关于巡察整改进展情况的通报\n来源：本站 发布日期：2022-03-02\n\
             根据市委统一部署，……进行了巡察。\n一、整改工作\n正文。\n欢迎广大干部群众监督。联系电话：0769-12345678。\n\
             中共某某委员会\n2022年3月1日\n联系地址：某某路1号\n首页 廉情 信访",
            None,
            &mut w,
        );
        assert_eq!(
            l.title.as_deref(),
            Some("中共某某委员会关于巡察整改进展情况的通报")
        );
        assert_eq!(l.meta_published, Ymd::new(2022, 3, 2));
        assert_eq!(l.signature_date, Ymd::new(2022, 3, 1));
        assert_eq!(l.signature_issuer.as_deref(), Some("中共某某委员会"));
        let body: Vec<&str> = l.body().iter().map(|l| l.text.as_str()).collect();
        assert_eq!(
            body,
            ["根据市委统一部署，……进行了巡察。", "一、整改工作", "正文。"]
        );
        assert!(l.all.iter().any(|x| x.text.starts_with("欢迎")));
        assert!(l.all.iter().all(|x| !x.text.contains("联系地址")));
        assert!(w.is_empty(), "{w:?}");
    }

    #[test]
    fn signature_on_one_line() {
        let mut w = Vec::new();
        let l = layout(
            "关于巡察整改进展情况的通报\n根据部署，进行了巡察。\n一、整改\n正文。\n中共某某党组 2022年3月1日\n版权所有",
            None,
            &mut w,
        );
        assert_eq!(l.signature_issuer.as_deref(), Some("中共某某党组"));
        assert_eq!(l.signature_date, Ymd::new(2022, 3, 1));
        assert_eq!(l.body().len(), 3);
    }

    #[test]
    fn a_dateline_under_the_title_is_not_the_signature() {
        let mut w = Vec::new();
        let l = layout(
            "关于巡察整改进展情况的通报\n2022年3月1日\n根据部署，进行了巡察。\n一、整改\n正文。",
            None,
            &mut w,
        );
        assert_eq!(l.signature_date, None);
        assert_eq!(l.body().len(), 4);
    }

    #[test]
    fn title_over_two_lines() {
        let mut w = Vec::new();
        let l = layout(
            "中共某某委员会关于十四届市委第五轮巡察\n整改进展情况的通报\n根据部署，进行了巡察。",
            None,
            &mut w,
        );
        assert_eq!(
            l.title.as_deref(),
            Some("中共某某委员会关于十四届市委第五轮巡察整改进展情况的通报")
        );
        assert_eq!(l.body().len(), 1);
    }
}
