//! The message catalogue of the supervision pages (督查督办, 工作台账, 回头看, 消息, 工作日历): a
//! second sorted slice that [`super::i18n::Locale::t`] consults after its own.

/// (id, Chinese, English), sorted by id (a test checks the order).
pub static SUPERVISION_CATALOGUE: &[(&str, &str, &str)] = &[
    ("sv.accept_reply", "认可回复", "Accept the reply"),
    ("sv.addressed_unit", "督办对象", "Addressed unit"),
    ("sv.aform.admonishment", "诫勉", "Admonishment"),
    ("sv.aform.circular", "通报", "Circular"),
    ("sv.aform.criticism", "批评教育", "Criticism"),
    (
        "sv.aform.disciplinary",
        "党纪政务处分",
        "Disciplinary sanction",
    ),
    (
        "sv.aform.organisational",
        "组织处理",
        "Organisational measure",
    ),
    ("sv.aform.reminder", "谈话提醒", "Reminder talk"),
    (
        "sv.aform.self_examination",
        "责令检查",
        "Ordered self-examination",
    ),
    ("sv.as_of", "截至日期", "As of"),
    (
        "sv.at_risk",
        "隐患事项清单(临近期限)",
        "At-risk items (deadline near)",
    ),
    ("sv.behind_pace", "进度滞后", "behind pace"),
    (
        "sv.cal.after",
        "其后第 N 个工作日是",
        "N working days later",
    ),
    ("sv.cal.ask", "查询工作日", "Working-day check"),
    ("sv.cal.builtin", "随系统发布", "Shipped"),
    ("sv.cal.compute", "查询", "Check"),
    ("sv.cal.confirm", "确认载入", "Load these years"),
    (
        "sv.cal.file",
        "节假日数据文件(文本)",
        "Holiday data file (text)",
    ),
    ("sv.cal.file_text", "文件内容", "File content"),
    ("sv.cal.holidays", "放假安排(段)", "Holiday ranges"),
    ("sv.cal.invalid", "数据有误:", "Invalid data: "),
    ("sv.cal.load", "载入年度安排", "Load a year's schedule"),
    (
        "sv.cal.load_hint",
        "上传与 holidays-cn.txt 格式相同的文件:先预览,确认后才写入;任何一行有误则全部不载入。",
        "Upload a file in the format of holidays-cn.txt: you see a dry run first and nothing is stored until you confirm; one bad line and nothing is loaded.",
    ),
    ("sv.cal.loaded", "已载入年度:", "Years loaded:"),
    ("sv.cal.loaded_at", "载入时间", "Loaded at"),
    (
        "sv.cal.n",
        "工作日数 N(可为负数)",
        "Working days N (may be negative)",
    ),
    (
        "sv.cal.n_hint",
        "不计当天;N 为 0 时给出当天或下一个工作日。没有节假日安排的年份会报错,不会只按周末推算。",
        "The day itself is not counted; N = 0 gives the day or the next working day. A year with no schedule is an error, never a weekends-only guess.",
    ),
    (
        "sv.cal.no_file",
        "请选择数据文件。",
        "Choose the data file.",
    ),
    (
        "sv.cal.no_year",
        "文件中没有 [年份] 段落。",
        "The file holds no [YEAR] block.",
    ),
    (
        "sv.cal.not_utf8",
        "文件须为 UTF-8 编码的文本。",
        "The file must be UTF-8 text.",
    ),
    (
        "sv.cal.nothing_loaded",
        "未载入任何内容。请修改文件后重新上传。",
        "Nothing was loaded. Correct the file and upload it again.",
    ),
    ("sv.cal.preview", "载入预览", "Load preview"),
    ("sv.cal.replace", "替换", "Replace"),
    ("sv.cal.rest_day", "休息日", "Rest day"),
    ("sv.cal.source", "来源", "Source"),
    (
        "sv.cal.uploaded",
        "管理员载入",
        "Loaded by an administrator",
    ),
    ("sv.cal.version", "版本", "Version"),
    ("sv.cal.workday", "工作日", "Working day"),
    ("sv.cal.workdays", "调休上班(天)", "Adjusted working days"),
    ("sv.cal.years", "已有年度", "Stored years"),
    ("sv.calendar_title", "工作日历", "Working-day calendar"),
    ("sv.close", "办结", "Close"),
    ("sv.close_submit", "确认办结", "Close the notice"),
    ("sv.day", "日期", "Date"),
    (
        "sv.days_overdue",
        "逾期天数(负数为剩余天数)",
        "Days overdue (negative: days left)",
    ),
    ("sv.doc_number", "督办单编号", "Notice number"),
    ("sv.download_docx", "下载 Word 文档", "Download as Word"),
    (
        "sv.draft_from_lists",
        "按清单生成督办单草稿",
        "Draft notices from the lists",
    ),
    (
        "sv.draft_hint",
        "每个责任单位生成一份草稿,可修改后再下发;同一月份重复生成不会新增。",
        "One draft per unit, to edit before issuing; drafting the same month again adds nothing.",
    ),
    ("sv.draft_submit", "生成草稿", "Draft the notices"),
    ("sv.drafted", "已生成督办单草稿:", "Notices drafted:"),
    ("sv.edit_draft", "修改草稿", "Edit the draft"),
    (
        "sv.err.id_list",
        "请填写编号,用逗号分隔,例如 12, 15。",
        "Give numbers separated by commas, e.g. 12, 15.",
    ),
    (
        "sv.err.no_items",
        "请至少填写一项督办事项(措施编号或其他事项)。",
        "Give at least one item (a measure number or another item).",
    ),
    (
        "sv.err.whole_number",
        "请填写整数。",
        "Give a whole number.",
    ),
    ("sv.event.accept", "认可回复", "Reply accepted"),
    ("sv.event.close", "办结", "Closed"),
    (
        "sv.event.escalate",
        "逾期未回复,督办升级",
        "Reply overdue: escalated",
    ),
    ("sv.event.issue", "下发", "Issued"),
    ("sv.event.reply", "回复", "Replied"),
    ("sv.event.return", "退回重办", "Returned"),
    ("sv.fig.days_to_close", "销号用时(天)", "Days to close"),
    ("sv.fig.evidence_count", "佐证材料数", "Evidence files"),
    ("sv.fig.factor", "倍数阈值", "Factor"),
    ("sv.fig.inspection_id", "巡察编号", "Inspection"),
    ("sv.fig.kind", "措施类型", "Measure kind"),
    ("sv.fig.measure_count", "措施数", "Measures"),
    (
        "sv.fig.normalised_chars",
        "文字长度(字)",
        "Length (characters)",
    ),
    ("sv.fig.peer_count", "同类措施数", "Similar measures"),
    (
        "sv.fig.peer_median_days",
        "同类措施用时中位数(天)",
        "Median days of similar measures",
    ),
    ("sv.fig.problem_count", "问题数", "Problems"),
    ("sv.fig.report_count", "进展报告数", "Progress reports"),
    ("sv.fig.report_ids", "进展报告编号", "Report numbers"),
    (
        "sv.fig.sha256",
        "文件指纹(SHA-256)",
        "File fingerprint (SHA-256)",
    ),
    ("sv.fig.unit_count", "单位数", "Units"),
    (
        "sv.flag.boilerplate_text",
        "进展内容雷同",
        "Boilerplate progress text",
    ),
    (
        "sv.flag.closed_without_evidence",
        "无佐证销号(措施)",
        "Measure closed without evidence",
    ),
    (
        "sv.flag.evidence_reused",
        "佐证材料重复使用",
        "Evidence reused",
    ),
    (
        "sv.flag.fast_close",
        "销号明显快于同类",
        "Closed much faster than similar ones",
    ),
    (
        "sv.flag.signed_off_without_evidence",
        "无佐证销号(问题)",
        "Problem signed off without evidence",
    ),
    (
        "sv.flags_caveat",
        "以下提示仅供核查参考,提示需要进一步了解的情况,不是结论,也不据此追责。请结合实际情况核实。",
        "These are prompts to check, not findings: each points at something worth a closer look and is never grounds for accountability by itself. Verify before drawing any conclusion.",
    ),
    ("sv.flags_check", "建议核查的措施", "Measures to check"),
    (
        "sv.flags_none",
        "暂无需要核查的提示。",
        "No prompts to check.",
    ),
    (
        "sv.flags_title",
        "形式整改提示",
        "Paper-rectification prompts",
    ),
    ("sv.from_month", "清单月份", "From the month's lists"),
    (
        "sv.ids_hint",
        "填写编号,用逗号分隔,可不填。",
        "Numbers separated by commas; optional.",
    ),
    ("sv.inbox_all", "全部消息", "All messages"),
    ("sv.inbox_title", "消息", "Messages"),
    (
        "sv.inbox_unlinked",
        "您的账号未关联人员,不会收到督办消息。",
        "Your account is not linked to a person, so it receives no messages.",
    ),
    ("sv.inbox_unread_only", "只看未读", "Unread only"),
    (
        "sv.include_at_risk",
        "同时纳入隐患事项",
        "Include the at-risk items",
    ),
    ("sv.issue", "下发督办单", "Issue the notice"),
    ("sv.issue_submit", "编号并下发", "Number and issue"),
    ("sv.issued_on", "下发日期", "Issued on"),
    ("sv.issuer", "督办单位", "Issued by"),
    ("sv.items", "督办事项", "Items"),
    ("sv.items_unit", "项", "items"),
    (
        "sv.lagging",
        "滞后事项清单(已逾期)",
        "Lagging items (overdue)",
    ),
    (
        "sv.latest_run",
        "最近一次督办运行",
        "Latest supervision run",
    ),
    ("sv.lb.closed_on", "销号日期", "Closed on"),
    ("sv.lb.due_on", "回头看日期", "Look-back due"),
    ("sv.lb.holds", "成效巩固", "Holds"),
    (
        "sv.lb.notes",
        "情况说明(反弹时必填)",
        "Notes (required for a relapse)",
    ),
    (
        "sv.lb.relapse_confirm",
        "确认反弹?该事项将重新打开,原有记录保留。",
        "Record a relapse? The item reopens; its history is kept.",
    ),
    ("sv.lb.relapsed", "反弹(重新打开)", "Relapsed (reopen)"),
    ("sv.lb.result", "结果", "Result"),
    ("sv.lb.subject", "事项", "Item"),
    ("sv.lbstate.due", "待回头看", "Due"),
    ("sv.lbstate.holds", "成效巩固", "Holds"),
    ("sv.lbstate.relapsed", "反弹", "Relapsed"),
    ("sv.light.blue", "蓝灯", "Blue"),
    ("sv.light.closed", "已销号", "Closed"),
    ("sv.light.deep_red", "深红灯", "Deep red"),
    ("sv.light.green", "绿灯", "Green"),
    ("sv.light.red", "红灯", "Red"),
    ("sv.light.yellow", "黄灯", "Yellow"),
    (
        "sv.lights_caption",
        "督办中的措施按灯号统计",
        "Measures under supervision by light",
    ),
    (
        "sv.lights_hint",
        "灯号由每日督办运行按工作日计算;过去某日的灯号按当日记录显示。",
        "Lights come from the daily run on working days; a past day shows the lights recorded that day.",
    ),
    ("sv.lights_title", "督查督办", "Supervision"),
    ("sv.lists_as_of", "截至", "As of"),
    (
        "sv.lists_title",
        "月度滞后和隐患事项清单",
        "Monthly lagging and at-risk lists",
    ),
    (
        "sv.lookbacks_hint",
        "销号后满规定期限(默认 6 个月)进行回头看;记录“反弹”将重新打开该事项,历史记录完整保留。",
        "A look-back falls due a set time after closing (6 months by default); recording a relapse reopens the item with its history intact.",
    ),
    ("sv.lookbacks_title", "回头看", "Look-backs"),
    ("sv.mark_read", "标为已读", "Mark read"),
    ("sv.meeting.briefing", "推进会", "Briefing"),
    (
        "sv.meeting.democratic_life",
        "民主生活会",
        "Democratic-life meeting",
    ),
    (
        "sv.meeting.leading_group",
        "领导小组会议",
        "Leading group meeting",
    ),
    ("sv.meeting.liaison", "联络员会议", "Liaison meeting"),
    ("sv.meeting.party_group", "党组会", "Party group meeting"),
    ("sv.message", "内容", "Message"),
    (
        "sv.money.losses_retrieved",
        "挽回经济损失",
        "Losses retrieved",
    ),
    ("sv.money.recovered", "追回", "Recovered"),
    ("sv.money.refunded", "清退", "Refunded"),
    (
        "sv.more_rows",
        "仅显示最近的记录。",
        "Only the most recent entries are shown.",
    ),
    ("sv.nav.calendar", "工作日历", "Calendar"),
    ("sv.nav.inbox", "消息", "Messages"),
    ("sv.nav.lookback", "回头看", "Look-back"),
    ("sv.nav.registers", "工作台账", "Registers"),
    ("sv.nav.supervision", "督查督办", "Supervision"),
    (
        "sv.new_reply_due",
        "新的回复期限(退回时)",
        "New reply date (when returning)",
    ),
    ("sv.no_run", "尚未运行。", "No run yet."),
    ("sv.notice_body", "督办要求", "Requirements"),
    ("sv.notice_draft", "督办单草稿", "Draft notice"),
    (
        "sv.notice_measures",
        "督办的整改措施编号",
        "Measure numbers",
    ),
    ("sv.notice_new", "新建督办单", "New supervision notice"),
    (
        "sv.notice_other",
        "其他督办事项(每行一项)",
        "Other items (one a line)",
    ),
    ("sv.notice_subject", "标题", "Title"),
    ("sv.notices_title", "督办单", "Supervision notices"),
    ("sv.nstate.accepted", "已认可", "Accepted"),
    ("sv.nstate.closed", "已办结", "Closed"),
    ("sv.nstate.draft", "草拟", "Draft"),
    ("sv.nstate.issued", "已下发", "Issued"),
    ("sv.nstate.replied", "已回复", "Replied"),
    ("sv.nstate.returned", "已退回", "Returned"),
    ("sv.rchange.new", "新制定", "New"),
    ("sv.rchange.revised", "修订", "Revised"),
    ("sv.read", "已读", "Read"),
    ("sv.reg.amount", "金额(元)", "Amount (yuan)"),
    (
        "sv.reg.amount_hint",
        "按元填写,最多两位小数,例如 1,234.56 或 12.5万元。",
        "In yuan, at most two decimals, e.g. 1,234.56 or 12.5万元.",
    ),
    ("sv.reg.attendees", "参会人员", "Attendees"),
    ("sv.reg.decisions", "研究事项和决定", "Decisions"),
    ("sv.reg.detail", "情况", "Details"),
    ("sv.reg.doc_number", "文号", "Document number"),
    (
        "sv.reg.doc_number_hint",
        "格式如 东府办〔2021〕35号:年份用六角括号〔〕,序号不加虚位,以“号”结尾。",
        "As in 东府办〔2021〕35号: the year in 〔〕 brackets, the serial without leading zeros, ending in 号.",
    ),
    ("sv.reg.findings", "发现的问题", "Findings"),
    ("sv.reg.links", "关联", "Linked"),
    ("sv.reg.main", "事项", "Subject"),
    ("sv.reg.measures", "关联措施编号", "Linked measure numbers"),
    ("sv.reg.new", "新增记录", "New entry"),
    ("sv.reg.note", "说明", "Note"),
    ("sv.reg.on_date", "日期", "Date"),
    ("sv.reg.person", "问责对象", "Person held accountable"),
    ("sv.reg.problems", "关联问题编号", "Linked problem numbers"),
    ("sv.reg.reason", "事由", "Reason"),
    (
        "sv.reg.subject",
        "督查对象和事项",
        "Unit and subject visited",
    ),
    ("sv.reg.talk_person", "约谈对象", "Person talked to"),
    ("sv.reg.title", "制度名称", "Rule title"),
    ("sv.reg.topic", "会议主题", "Topic"),
    ("sv.registers_title", "工作台账", "Registers"),
    ("sv.replied_on", "回复日期", "Replied on"),
    ("sv.replies", "回复", "Replies"),
    ("sv.reply", "书面回复", "Written reply"),
    ("sv.reply_due", "回复期限", "Reply due"),
    ("sv.reply_overdue", "逾期未回复", "Reply overdue"),
    ("sv.reply_text", "回复内容", "Reply"),
    ("sv.rkind.accountability", "问责", "Accountability"),
    ("sv.rkind.meeting", "会议", "Meetings"),
    ("sv.rkind.money", "资金", "Money"),
    ("sv.rkind.rule", "建章立制", "Rules issued"),
    ("sv.rkind.site_visit", "实地督查", "Site visits"),
    ("sv.rkind.talk", "约谈", "Talks"),
    ("sv.run_changes", "灯号变化", "Light changes"),
    (
        "sv.run_counts_scope",
        "运行计数覆盖全部单位, 仅向管辖全部单位的账号显示。本单位的灯号见上表。",
        "The run's counts cover every organisation and are shown only to accounts whose scope holds them all. Your organisation's lights are in the table above.",
    ),
    ("sv.run_day", "运行日期", "Day"),
    ("sv.run_escalations", "升级提醒", "Escalations"),
    (
        "sv.run_measures",
        "督办中的措施",
        "Measures under supervision",
    ),
    ("sv.run_notifications", "发出消息", "Messages sent"),
    (
        "sv.sample.as_of",
        "样本范围:截至该日已销号(默认今天)",
        "Population: closed on or before (default today)",
    ),
    ("sv.sample.digest", "样本总体摘要", "Population digest"),
    ("sv.sample.draw", "抽取", "Draw"),
    (
        "sv.sample.hint",
        "从已销号措施中随机抽取复核;记录随机种子,可按种子复现抽取结果。",
        "Draws closed measures at random for re-verification; the seed is recorded so the draw can be reproduced.",
    ),
    ("sv.sample.new", "新的抽查", "New draw"),
    ("sv.sample.population", "总体数量", "Population"),
    (
        "sv.sample.population_changed",
        "总体已变化(有新的销号或重新打开),按原种子复现的结果可能不同。",
        "The population has changed since (new closings or reopenings); a replay from the seed may differ.",
    ),
    ("sv.sample.replay", "按种子复现", "Replay from the seed"),
    (
        "sv.sample.replay_differs",
        "复现结果与记录不一致。",
        "The replay differs from the record.",
    ),
    (
        "sv.sample.replay_items",
        "复现抽中的措施",
        "Measures the replay draws",
    ),
    (
        "sv.sample.replay_same",
        "复现结果与记录一致。",
        "The replay matches the record.",
    ),
    ("sv.sample.seed", "随机种子", "Seed"),
    (
        "sv.sample.seed_hint",
        "0 至 18446744073709551615 的整数;不填则随机生成并记录。",
        "A whole number from 0 to 18446744073709551615; left blank, a random one is drawn and recorded.",
    ),
    ("sv.sample.size", "抽取数量", "Sample size"),
    ("sv.sample_title", "抽查复核", "Re-verification draw"),
    ("sv.samples_title", "抽查复核", "Re-verification draws"),
    ("sv.saved", "已保存。", "Saved."),
    ("sv.stats.other", "督查和约谈", "Visits and talks"),
    ("sv.stats.people", "问责人数", "People held accountable"),
    ("sv.stats.rules", "建章立制(项)", "Rules made or revised"),
    ("sv.tier", "督办级别", "Tier"),
    ("sv.tier.general", "一般督办", "General"),
    ("sv.tier.key", "重点督办", "Key"),
    ("sv.tier.listed", "挂牌督办", "Listed"),
    (
        "sv.truncated",
        "清单较长,本页只列出部分事项(各单位数量完整);完整清单请下载 Word 文档。",
        "The list is long: this page shows part of it (every unit's count is complete); download the Word document for all items.",
    ),
    ("sv.unread", "条未读", "unread"),
    ("sv.verify.confirmed", "整改属实", "Confirmed"),
    ("sv.verify.not_confirmed", "整改不实", "Not as reported"),
    ("sv.verify.pending", "待复核", "Pending"),
    (
        "sv.window",
        "隐患窗口(工作日)",
        "At-risk window (working days)",
    ),
    ("sv.yuan", "元", " yuan"),
];

/// The (Chinese, English) texts of an id of this catalogue.
pub fn lookup(id: &str) -> Option<(&'static str, &'static str)> {
    SUPERVISION_CATALOGUE
        .binary_search_by(|(k, _, _)| (*k).cmp(id))
        .ok()
        .map(|i| (SUPERVISION_CATALOGUE[i].1, SUPERVISION_CATALOGUE[i].2))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorted_unique_and_apart_from_the_main_catalogue() {
        for w in SUPERVISION_CATALOGUE.windows(2) {
            assert!(w[0].0 < w[1].0, "{} must come before {}", w[0].0, w[1].0);
        }
        for (id, zh, en) in SUPERVISION_CATALOGUE {
            assert!(!zh.is_empty() && !en.is_empty(), "{id}");
            assert!(
                id.starts_with("sv.") || id.starts_with("err."),
                "{id}: supervision ids start with sv."
            );
        }
    }

    #[test]
    fn every_id_in_the_supervision_templates_exists() {
        // Also the ids handed to macros as plain strings, which the main test cannot see.
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("templates/supervision");
        let mut checked = 0;
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            let text = std::fs::read_to_string(&p).unwrap();
            for (i, _) in text.match_indices("\"sv.") {
                let rest = &text[i + 1..];
                let id = &rest[..rest.find('"').unwrap()];
                assert!(lookup(id).is_some(), "{}: {id} missing", p.display());
                checked += 1;
            }
        }
        assert!(checked > 50, "found only {checked} ids");
    }
}
