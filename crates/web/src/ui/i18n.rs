//! The UI's two languages: the [`Locale`] enum, the message catalogue keyed by stable ids,
//! translations of the API's error codes and of domain enums, and date formatting
//! (2021年12月28日 in Chinese, ISO 8601 in English).

use std::borrow::Borrow;

use chrono::{Datelike, NaiveDate};
use rectify_core::access::Role;
use rectify_core::ledger::{InspectionKind, MeasureKind};
use rectify_core::progress::Light;
use rectify_core::state::MeasureState;

/// An interface language. Chinese is the default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Locale {
    #[default]
    Zh,
    En,
}

impl Locale {
    pub fn parse(s: &str) -> Option<Locale> {
        match s.trim() {
            "zh" | "zh-CN" | "zh-cn" => Some(Locale::Zh),
            "en" | "en-US" | "en-GB" => Some(Locale::En),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Locale::Zh => "zh",
            Locale::En => "en",
        }
    }

    /// The `lang` attribute of the page.
    pub fn html_lang(self) -> &'static str {
        match self {
            Locale::Zh => "zh-CN",
            Locale::En => "en",
        }
    }

    /// The other language (for the switch).
    pub fn other(self) -> Locale {
        match self {
            Locale::Zh => Locale::En,
            Locale::En => Locale::Zh,
        }
    }

    /// From an `Accept-Language` header: English only when English comes before Chinese.
    pub fn from_accept_language(h: &str) -> Locale {
        for part in h.split(',') {
            let tag = part
                .split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase();
            if tag.starts_with("zh") {
                return Locale::Zh;
            }
            if tag.starts_with("en") {
                return Locale::En;
            }
        }
        Locale::Zh
    }

    /// The message with this id; an unknown id shows itself (and fails the catalogue test).
    pub fn t(self, id: &str) -> &'static str {
        match catalogue_index(id) {
            Some(i) => match self {
                Locale::Zh => CATALOGUE[i].1,
                Locale::En => CATALOGUE[i].2,
            },
            None => match super::i18n_supervision::lookup(id) {
                Some((zh, en)) => self.pick(zh, en),
                None => "⟦missing text⟧",
            },
        }
    }

    fn pick(self, zh: &'static str, en: &'static str) -> &'static str {
        match self {
            Locale::Zh => zh,
            Locale::En => en,
        }
    }

    /// Is there a message with this id?
    pub fn has(self, id: &str) -> bool {
        catalogue_index(id).is_some() || super::i18n_supervision::lookup(id).is_some()
    }

    /// A date: `2021年12月28日` or `2021-12-28`.
    pub fn date(self, d: NaiveDate) -> String {
        match self {
            Locale::Zh => format!("{}年{}月{}日", d.year(), d.month(), d.day()),
            Locale::En => d.format("%Y-%m-%d").to_string(),
        }
    }

    /// An optional date, or a dash.
    pub fn date_opt(self, d: impl Borrow<Option<NaiveDate>>) -> String {
        d.borrow()
            .map(|d| self.date(d))
            .unwrap_or_else(|| "—".into())
    }

    /// A stored RFC 3339 timestamp as local date and time (minutes).
    pub fn timestamp(self, ts: &str) -> String {
        match chrono::DateTime::parse_from_rfc3339(ts) {
            Ok(t) => {
                let t = t.with_timezone(&rectify_store::dashboard::local_offset());
                format!("{} {}", self.date(t.date_naive()), t.format("%H:%M"))
            }
            Err(_) => ts.to_string(),
        }
    }

    /// The text for an API error code, or `fallback` (the server's bilingual message) when
    /// the code carries details the catalogue cannot know (e.g. a minimum length).
    pub fn error(self, code: &str, fallback: &str) -> String {
        let id = format!("err.{code}");
        match catalogue_index(&id) {
            Some(_) => self.t(&id).to_string(),
            None => fallback.to_string(),
        }
    }

    pub fn role(self, r: impl Borrow<Role>) -> &'static str {
        self.t(match *r.borrow() {
            Role::SystemAdmin => "role.system_admin",
            Role::SecurityAdmin => "role.security_admin",
            Role::AuditAdmin => "role.audit_admin",
            Role::Office => "role.office",
            Role::Supervisor => "role.supervisor",
            Role::Liaison => "role.liaison",
            Role::Owner => "role.owner",
            Role::Leader => "role.leader",
        })
    }

    pub fn state(self, s: impl Borrow<MeasureState>) -> &'static str {
        self.t(match *s.borrow() {
            MeasureState::Draft => "state.draft",
            MeasureState::Assigned => "state.assigned",
            MeasureState::InProgress => "state.in_progress",
            MeasureState::Submitted => "state.submitted",
            MeasureState::Returned => "state.returned",
            MeasureState::Closed => "state.closed",
            MeasureState::ClosedOngoing => "state.closed_ongoing",
            MeasureState::Reopened => "state.reopened",
        })
    }

    pub fn measure_kind(self, k: impl Borrow<MeasureKind>) -> &'static str {
        self.t(match *k.borrow() {
            MeasureKind::Immediate => "kind.immediate",
            MeasureKind::TimeBound => "kind.time_bound",
            MeasureKind::Ongoing => "kind.ongoing",
        })
    }

    pub fn inspection_kind(self, k: impl Borrow<InspectionKind>) -> &'static str {
        self.t(match *k.borrow() {
            InspectionKind::Regular => "ikind.regular",
            InspectionKind::Special => "ikind.special",
            InspectionKind::Flexible => "ikind.flexible",
            InspectionKind::FollowUp => "ikind.follow_up",
        })
    }

    /// Years as a list: `2026、2027`, `2026, 2027`.
    pub fn years(self, years: &[i32]) -> String {
        let parts: Vec<String> = years.iter().map(i32::to_string).collect();
        parts.join(self.pick("、", ", "))
    }

    pub fn light(self, l: impl Borrow<Light>) -> &'static str {
        self.t(match *l.borrow() {
            Light::Green => "light.green",
            Light::Blue => "light.blue",
            Light::Yellow => "light.yellow",
            Light::Red => "light.red",
            Light::DeepRed => "light.deep_red",
        })
    }
}

/// Position of a message id in [`CATALOGUE`] (sorted, then blocks appended per feature).
fn catalogue_index(id: &str) -> Option<usize> {
    static INDEX: std::sync::LazyLock<std::collections::HashMap<&'static str, usize>> =
        std::sync::LazyLock::new(|| {
            CATALOGUE
                .iter()
                .enumerate()
                .map(|(i, (k, _, _))| (*k, i))
                .collect()
        });
    INDEX.get(id).copied()
}

/// (id, Chinese, English): sorted by id, then one block per feature appended at the end
/// (a test checks that ids are unique and that every id a template or view uses is here).
static CATALOGUE: &[(&str, &str, &str)] = &[
    ("app.name", "整改通", "Rectify"),
    ("app.skip", "跳到正文", "Skip to content"),
    ("audit.measure.assign", "交办", "Assigned"),
    (
        "audit.measure.close",
        "审核通过并销号",
        "Accepted and closed",
    ),
    (
        "audit.measure.close_ongoing",
        "销号(长期坚持)",
        "Closed as ongoing",
    ),
    ("audit.measure.create", "创建措施", "Measure created"),
    ("audit.measure.reopen", "重新打开", "Reopened"),
    ("audit.measure.report", "填报进展", "Progress reported"),
    ("audit.measure.return", "退回", "Returned"),
    ("audit.measure.submit", "提交审核", "Submitted for review"),
    ("audit.measure.transition", "状态变更", "State changed"),
    ("audit.measure.update", "修改措施", "Measure changed"),
    ("btn.cancel", "取消", "Cancel"),
    ("btn.filter", "筛选", "Filter"),
    ("btn.save", "保存", "Save"),
    ("btn.submit", "提交", "Submit"),
    ("err.bad_selection", "所选项无效。", "Invalid choice."),
    (
        "err.cross_origin",
        "跨站请求被拒绝。",
        "Cross-site request refused.",
    ),
    (
        "err.csrf",
        "表单已失效或来源不明,请刷新页面后重试。",
        "The form has expired or its origin is unknown; reload the page and try again.",
    ),
    (
        "err.date_order",
        "日期先后顺序不对。",
        "The dates are in the wrong order.",
    ),
    (
        "err.duplicate",
        "已存在相同的记录。",
        "Such a record already exists.",
    ),
    (
        "err.field_forbidden",
        "您的角色不能修改该字段。",
        "Your role may not change this field.",
    ),
    (
        "err.forbidden",
        "您的角色无权执行该操作。",
        "Your role is not allowed to do this.",
    ),
    (
        "err.internal",
        "服务器内部错误,请稍后再试。",
        "Internal error; please try again later.",
    ),
    (
        "err.invalid_date",
        "日期无效,请按 年-月-日 填写。",
        "Not a valid date; use YYYY-MM-DD.",
    ),
    (
        "err.login_failed",
        "登录名或密码错误,或账号已锁定。",
        "Wrong login or password, or the account is locked.",
    ),
    ("err.not_found", "不存在或无权查看。", "Not found."),
    (
        "err.password_change_required",
        "请先修改密码。",
        "Change your password first.",
    ),
    (
        "err.password_common",
        "该密码过于常见,请换一个。",
        "This password is too common; choose another.",
    ),
    (
        "err.password_contains_login",
        "密码不能包含登录名。",
        "The password must not contain the login.",
    ),
    (
        "err.password_mismatch",
        "两次输入的新密码不一致。",
        "The two new passwords differ.",
    ),
    ("err.required", "此项必填。", "This field is required."),
    (
        "err.session_expired",
        "会话已超时,请重新登录。",
        "Your session timed out; sign in again.",
    ),
    (
        "err.too_large",
        "文件超过大小限制。",
        "The upload is over the size limit.",
    ),
    (
        "err.too_many_attempts",
        "尝试次数过多,请 15 分钟后再试。",
        "Too many attempts; try again in 15 minutes.",
    ),
    ("err.unauthenticated", "请先登录。", "Sign in first."),
    (
        "err.version_conflict",
        "该记录已被他人修改。",
        "Someone else changed this record.",
    ),
    (
        "err.wrong_password",
        "当前密码错误。",
        "The current password is wrong.",
    ),
    ("error.back_home", "返回首页", "Back to the home page"),
    ("error.title", "出错了", "Something went wrong"),
    ("home.age_1_7", "1–7 天", "1–7 days"),
    ("home.age_31_90", "31–90 天", "31–90 days"),
    ("home.age_8_30", "8–30 天", "8–30 days"),
    ("home.age_90", "90 天以上", "Over 90 days"),
    ("home.ageing", "逾期时长", "Days overdue"),
    ("home.all_inspections", "全部巡察", "All inspections"),
    ("home.aspect", "方面", "Aspect"),
    (
        "home.by_aspect",
        "按问题方面统计完成率",
        "Completion by aspect",
    ),
    (
        "home.by_inspection",
        "按巡察统计完成率",
        "Completion by inspection",
    ),
    (
        "home.by_unit",
        "按责任单位统计完成率",
        "Completion by responsible unit",
    ),
    ("home.closed", "已销号", "Closed"),
    ("home.completion", "完成情况", "Completion"),
    ("home.count", "数量", "Count"),
    ("home.dashboard_title", "整改总览", "Rectification overview"),
    ("home.days_overdue", "逾期天数", "Days overdue"),
    ("home.due", "到期", "Due"),
    ("home.due_soon", "两周内到期", "Due within two weeks"),
    ("home.inspection", "巡察", "Inspection"),
    ("home.light", "灯号", "Light"),
    ("home.lights", "红黄绿灯", "Traffic lights"),
    ("home.month", "月份", "Month"),
    ("home.my_title", "我的整改任务", "My measures"),
    ("home.none", "暂无。", "None."),
    ("home.overdue", "已逾期", "Overdue"),
    ("home.overdue_count", "逾期", "Overdue"),
    ("home.rate", "完成率", "Completion rate"),
    ("home.returned", "被退回", "Returned"),
    ("home.summary", "概要", "Summary"),
    ("home.total", "措施总数", "Measures"),
    ("home.trend", "按月趋势", "Trend by month"),
    ("home.unit", "责任单位", "Responsible unit"),
    ("ikind.flexible", "机动巡察", "Flexible inspection"),
    ("ikind.follow_up", "回头看", "Follow-up inspection"),
    ("ikind.regular", "常规巡察", "Regular inspection"),
    ("ikind.special", "专项巡察", "Special inspection"),
    (
        "import.absent",
        "通报中没有(保留)",
        "Not in the notice (kept)",
    ),
    ("import.action", "处理", "Action"),
    ("import.apply", "确认导入", "Apply the import"),
    ("import.changed", "修改", "Changed"),
    ("import.counts", "变更统计", "Changes"),
    ("import.create", "新增", "Create"),
    (
        "import.dry_run",
        "预览(尚未写入)",
        "preview (nothing written yet)",
    ),
    (
        "import.empty",
        "请选择通报文件。",
        "Choose the notice file.",
    ),
    (
        "import.file",
        "通报文件(文本、网页或 Word)",
        "Notice file (text, web page or Word)",
    ),
    (
        "import.hint",
        "先预览将要做的变更,确认后才写入台账。",
        "You see the changes first; nothing is written until you confirm.",
    ),
    ("import.items", "明细", "Items"),
    ("import.level", "层级", "Level"),
    ("import.location", "位置", "Place"),
    (
        "import.nothing",
        "台账已与通报一致,无需导入。",
        "The ledger already matches the notice.",
    ),
    ("import.preview", "预览", "Preview"),
    ("import.text", "内容", "Text"),
    (
        "import.title",
        "导入整改进展通报",
        "Import a progress notice",
    ),
    ("import.unchanged", "不变", "Unchanged"),
    ("import.unreadable", "无法读取通报", "Unreadable notice"),
    ("import.warnings", "提示", "Warnings"),
    ("inspections.bad_year", "年份无效。", "Not a valid year."),
    (
        "inspections.conflict",
        "保存前该巡察已被他人修改,页面已更新为最新版本;请核对后再保存。",
        "Someone else changed this inspection before you saved; the page now holds the latest version. Check and save again.",
    ),
    ("inspections.edit", "修改巡察信息", "Edit the inspection"),
    ("inspections.feedback_on", "反馈日期", "Feedback date"),
    ("inspections.links", "查看", "Open"),
    ("inspections.new", "新建巡察", "New inspection"),
    ("inspections.new_round", "新建巡察轮次", "New round"),
    ("inspections.org", "被巡察单位", "Inspected organisation"),
    ("inspections.plan_due", "整改方案报送期限", "Plan due"),
    ("inspections.report_due", "整改报告报送期限", "Report due"),
    ("inspections.round", "巡察轮次", "Round"),
    ("inspections.round_name", "轮次名称", "Round name"),
    (
        "inspections.round_org",
        "组织巡察的单位",
        "Organisation running the round",
    ),
    ("inspections.rounds", "巡察轮次", "Rounds"),
    ("inspections.stationed", "进驻时间", "Stationing"),
    ("inspections.stationed_from", "进驻开始", "Stationed from"),
    ("inspections.stationed_to", "进驻结束", "Stationed to"),
    ("inspections.team", "巡察组", "Inspection team"),
    ("inspections.title", "巡察名称", "Title"),
    ("inspections.year", "年份", "Year"),
    ("kind.immediate", "立行立改", "Immediate"),
    ("kind.ongoing", "长期坚持", "Ongoing"),
    ("kind.time_bound", "限期整改", "Time-bound"),
    ("layout.locale_switch", "English", "中文"),
    ("layout.org", "单位", "Organisation"),
    ("layout.print", "打印", "Print"),
    ("layout.role", "角色", "Role"),
    ("layout.sign_out", "退出", "Sign out"),
    ("ledger.all", "全部", "All"),
    (
        "ledger.bulk",
        "批量分派所选措施",
        "Assign the selected measures",
    ),
    ("ledger.bulk_apply", "批量分派", "Assign"),
    (
        "ledger.bulk_none",
        "请至少勾选一条措施。",
        "Tick at least one measure.",
    ),
    (
        "ledger.bulk_nothing",
        "请填写责任人、责任单位或完成时限中的至少一项。",
        "Fill in an owner, a unit or a deadline.",
    ),
    (
        "ledger.bulk_stale",
        "所选措施中有记录已被他人修改,未做任何更改;请刷新后重试",
        "A selected measure was changed by someone else; nothing was changed. Reload and retry",
    ),
    ("ledger.col_deadline", "完成时限", "Deadline"),
    ("ledger.col_id", "编号", "No."),
    ("ledger.col_measure", "整改措施", "Measure"),
    ("ledger.col_owner", "责任人", "Owner"),
    ("ledger.col_problem", "问题", "Problem"),
    ("ledger.col_state", "状态", "State"),
    ("ledger.col_unit", "责任单位", "Responsible unit"),
    ("ledger.deadline_from", "时限起", "Deadline from"),
    ("ledger.deadline_to", "时限止", "Deadline to"),
    ("ledger.desc", "倒序", "Descending"),
    ("ledger.export", "导出 Excel", "Export to Excel"),
    ("ledger.filters", "筛选条件", "Filters"),
    ("ledger.first_page", "第一页", "First page"),
    ("ledger.kind", "类型", "Kind"),
    ("ledger.next_page", "下一页", "Next page"),
    ("ledger.only_overdue", "仅看逾期", "Overdue only"),
    ("ledger.overdue", "逾期", "overdue"),
    (
        "ledger.owner_hint",
        "先按责任单位筛选,即可从名单中选择责任人。",
        "Filter by a unit to choose the owner from its people.",
    ),
    ("ledger.pages", "分页", "Pages"),
    ("ledger.select", "选择", "Select"),
    ("ledger.sort", "排序", "Sort by"),
    ("ledger.table_view", "表格视图", "Table view"),
    ("ledger.text", "关键词", "Text"),
    ("ledger.total", "共计", "Total"),
    (
        "ledger.tree_pick",
        "请先选择一个巡察,再查看树形视图。",
        "Choose an inspection to see its tree.",
    ),
    ("ledger.tree_view", "树形视图", "Tree view"),
    // Ledger import from the inspection page (ledger_import.*), one block.
    (
        "ledger_import.absent",
        "文件中没有(保留)",
        "Not in the file (kept)",
    ),
    (
        "ledger_import.accept_needed",
        "文件中有问题行:请改正后重新上传,或勾选“只导入无问题的行”。",
        "Some rows have problems: fix them and upload again, or tick “Import only the valid rows”.",
    ),
    (
        "ledger_import.accept_valid",
        "只导入无问题的行(有问题的行不导入)",
        "Import only the valid rows (rows with problems are left out)",
    ),
    ("ledger_import.changes", "修改内容", "Changes"),
    (
        "ledger_import.code.ambiguous_person",
        "有多人同名",
        "name held by several people",
    ),
    (
        "ledger_import.code.ambiguous_unit",
        "有多个同名单位",
        "name held by several units",
    ),
    (
        "ledger_import.code.control_character",
        "含有控制字符",
        "contains control characters",
    ),
    (
        "ledger_import.code.deadline_before_feedback",
        "完成时限早于反馈日期",
        "deadline before the feedback date",
    ),
    (
        "ledger_import.code.invalid_deadline",
        "无法识别的完成时限",
        "unreadable deadline",
    ),
    (
        "ledger_import.code.invalid_kind",
        "无法识别的整改类型",
        "unknown kind of measure",
    ),
    (
        "ledger_import.code.invalid_number",
        "无法识别的序号",
        "unreadable number",
    ),
    (
        "ledger_import.code.replacement_character",
        "含替换字符(文件此前已被错误转码)",
        "contains U+FFFD (the file was mis-converted before)",
    ),
    ("ledger_import.code.required", "为空", "empty"),
    ("ledger_import.code.too_long", "内容过长", "too long"),
    (
        "ledger_import.code.unknown_person",
        "被巡察单位中没有此人",
        "no such person in the inspected organisation",
    ),
    (
        "ledger_import.code.unknown_unit",
        "被巡察单位中没有此单位",
        "no such unit in the inspected organisation",
    ),
    ("ledger_import.column", "列", "Column"),
    ("ledger_import.columns", "识别的列:", "columns:"),
    (
        "ledger_import.empty",
        "请选择台账文件(xlsx 或 CSV)。",
        "Choose a ledger file (xlsx or CSV).",
    ),
    ("ledger_import.encoding", "编码", "encoding"),
    (
        "ledger_import.expired",
        "上传的文件已过期或不存在,请重新上传。",
        "The uploaded file has expired or does not exist; please upload it again.",
    ),
    (
        "ledger_import.field.co_unit_ids",
        "配合单位",
        "Co-operating units",
    ),
    ("ledger_import.field.deadline", "完成时限", "Deadline"),
    ("ledger_import.field.kind", "整改类型", "Kind"),
    (
        "ledger_import.field.leader_id",
        "责任领导",
        "Leader in charge",
    ),
    ("ledger_import.field.owner_id", "责任人", "Owner"),
    ("ledger_import.field.remarks", "备注", "Remarks"),
    (
        "ledger_import.field.responsible_unit_id",
        "责任单位",
        "Responsible unit",
    ),
    ("ledger_import.field.text", "整改措施", "Measure"),
    (
        "ledger_import.file",
        "台账文件(xlsx 或 CSV)",
        "Ledger file (xlsx or CSV)",
    ),
    ("ledger_import.file_read", "已读取文件", "File read:"),
    ("ledger_import.header_rows", "表头在第", "header on row"),
    (
        "ledger_import.hint",
        "表头可在前 15 行;合并单元格、多个工作表、GBK 编码的 CSV 和文字日期均可识别。先预览,确认后才写入。",
        "The header may be anywhere in the first 15 rows; merged cells, several sheets, GBK CSV and dates as text are read. You see a preview first; nothing is written until you confirm.",
    ),
    (
        "ledger_import.ignored",
        "无表头,未读取",
        "no header, not read",
    ),
    ("ledger_import.invalid_rows", "涉及行数", "rows affected"),
    ("ledger_import.limit", "文件大小不超过", "At most"),
    ("ledger_import.matched", "匹配", "Matched"),
    ("ledger_import.more", "未列出的条数:", "Not listed here:"),
    (
        "ledger_import.moved",
        "台账在预览之后已有变化:以下是重新计算的预览,请再次确认。",
        "The ledger changed after the preview: this is the preview computed again; please confirm again.",
    ),
    ("ledger_import.no", "序号", "No."),
    (
        "ledger_import.notes_columns",
        "记入备注的列:",
        "columns kept in remarks:",
    ),
    (
        "ledger_import.nothing",
        "台账已与文件一致,无需导入。",
        "The ledger already matches the file: nothing to import.",
    ),
    (
        "ledger_import.nothing_valid",
        "没有可导入的行:请改正问题后重新上传。",
        "No row can be imported: fix the problems and upload again.",
    ),
    ("ledger_import.problem", "问题", "Problem"),
    (
        "ledger_import.problems",
        "文件中的问题",
        "Problems in the file",
    ),
    (
        "ledger_import.problems_hint",
        "按行和列列出;有问题的行不会写入。",
        "By row and column; rows with problems are not written.",
    ),
    ("ledger_import.row", "行", "Row"),
    ("ledger_import.sheet", "工作表", "Sheet"),
    (
        "ledger_import.skipped",
        "跳过的行(空行、合计、标题):",
        "rows skipped (blank, totals, headings):",
    ),
    ("ledger_import.title", "导入台账", "Import a ledger"),
    (
        "ledger_import.unreadable",
        "无法读取台账文件",
        "Unreadable ledger file",
    ),
    ("light.blue", "蓝灯", "Blue"),
    ("light.deep_red", "深红灯", "Deep red"),
    ("light.green", "绿灯", "Green"),
    (
        "light.provisional",
        "灯号为暂估：{years} 年节假日安排尚未导入，黄灯期限暂按周一至周五为工作日计算。系统管理员在“工作日历”中导入后即为正式灯号。",
        "Lights are provisional: no holiday schedule is loaded for {years}, so the yellow window counts Monday to Friday as working days until a system administrator loads it under Working-day calendar.",
    ),
    ("light.red", "红灯", "Red"),
    ("light.yellow", "黄灯", "Yellow"),
    ("measure.accept", "审核通过并销号", "Accept and close"),
    (
        "measure.accept_ongoing",
        "通过(长期坚持)",
        "Accept as ongoing",
    ),
    ("measure.assign", "交办", "Assign"),
    (
        "measure.conflict",
        "保存前该措施已被他人修改,您的修改尚未保存。以下是变化;请核对后再保存。",
        "Someone else changed this measure before you saved; your changes are not saved yet. What changed is below; check and save again.",
    ),
    ("measure.details", "基本情况", "Details"),
    ("measure.download", "下载", "Download"),
    ("measure.edit", "修改措施", "Edit the measure"),
    ("measure.history", "变更记录", "History"),
    ("measure.now", "现在是", "now"),
    ("measure.percent", "完成进度", "Progress"),
    (
        "measure.reason",
        "退回理由(退回时必填)",
        "Reason (required to return)",
    ),
    (
        "measure.reason_required",
        "退回时须填写理由。",
        "A reason is required to return.",
    ),
    ("measure.reports", "整改进展", "Progress reports"),
    ("measure.return", "退回", "Return"),
    ("measure.review", "审核", "Review"),
    (
        "measure.show_phone",
        "查看完整号码(将记入审计)",
        "Show the full number (audited)",
    ),
    ("measure.sign_off", "销号", "Sign-off"),
    (
        "measure.sign_off_confirm",
        "确认对该问题销号?",
        "Sign off this problem?",
    ),
    (
        "measure.sign_off_problem",
        "问题销号",
        "Sign off the problem",
    ),
    ("measure.signed_off", "已销号", "Signed off"),
    ("measure.state", "状态", "State"),
    ("measure.text", "措施内容", "Measure text"),
    (
        "measure.tier_inspecting",
        "须由上级巡察机构销号",
        "Signed off by the inspecting body",
    ),
    (
        "measure.tier_org",
        "由本单位整改办销号",
        "Signed off by the organisation's office",
    ),
    ("measure.title", "整改措施", "Measure"),
    ("measure.you_saw", "您看到的是", "you saw"),
    ("nav.admin", "系统管理", "Administration"),
    ("nav.home", "首页", "Home"),
    ("nav.inspections", "巡察", "Inspections"),
    ("nav.ledger", "整改台账", "Ledger"),
    ("nav.main", "主导航", "Main navigation"),
    (
        "password.confirm",
        "再次输入新密码",
        "Repeat the new password",
    ),
    ("password.current", "当前密码", "Current password"),
    (
        "password.done",
        "密码已修改。",
        "Your password has been changed.",
    ),
    (
        "password.expired",
        "您的密码已过期或为一次性密码,请先设置新密码。",
        "Your password has expired or is a one-time password; set a new one first.",
    ),
    ("password.new", "新密码", "New password"),
    ("password.title", "修改密码", "Change password"),
    ("report.bad_file_name", "文件名无效", "Invalid file name"),
    (
        "report.bad_file_type",
        "仅支持 PDF、图片和 Office 文件",
        "PDF, images and Office files only",
    ),
    (
        "report.drop",
        "也可把文件拖到此处。",
        "You can also drop files here.",
    ),
    ("report.files", "佐证材料", "Evidence files"),
    (
        "report.files_again",
        "请重新选择文件(浏览器不会保留已选文件)。",
        "Please choose the files again (browsers do not keep them).",
    ),
    (
        "report.fix_errors",
        "请按提示修改后再提交。",
        "Please correct the fields marked below.",
    ),
    (
        "report.intro",
        "选择要填报的措施(可多选),写明进展,附上佐证材料。",
        "Choose the measures (several if you like), describe the progress and attach evidence.",
    ),
    (
        "report.limit",
        "可多选;PDF、图片或 Office 文件;总大小不超过",
        "Several files allowed; PDF, images or Office files; at most",
    ),
    ("report.measures", "整改措施", "Measures"),
    ("report.new", "填报整改进展", "Report progress"),
    (
        "report.no_measures",
        "目前没有需要填报的措施。",
        "No measure is waiting for a report.",
    ),
    (
        "report.percent_range",
        "进度须在 0–100 之间。",
        "Progress must be between 0 and 100.",
    ),
    (
        "report.pick_measure",
        "请至少选择一项措施。",
        "Choose at least one measure.",
    ),
    (
        "report.submit_for_review",
        "同时提交审核(已完成)",
        "Also submit for review (done)",
    ),
    ("report.text", "整改进展", "Progress"),
    ("role.audit_admin", "审计管理员", "Audit administrator"),
    ("role.leader", "领导", "Leader"),
    ("role.liaison", "联络员", "Liaison"),
    ("role.office", "整改办", "Rectification office"),
    ("role.owner", "责任人", "Owner"),
    (
        "role.security_admin",
        "安全管理员",
        "Security administrator",
    ),
    ("role.supervisor", "纪检监督", "Supervisor"),
    ("role.system_admin", "系统管理员", "System administrator"),
    (
        "signin.expired",
        "会话已超时,请重新登录。",
        "Your session timed out; please sign in again.",
    ),
    ("signin.login", "登录名", "Login"),
    ("signin.password", "密码", "Password"),
    (
        "signin.signed_out",
        "您已安全退出。",
        "You have signed out.",
    ),
    ("signin.submit", "登录", "Sign in"),
    ("signin.title", "登录", "Sign in"),
    ("state.assigned", "已分派", "Assigned"),
    ("state.closed", "已销号", "Closed"),
    (
        "state.closed_ongoing",
        "已销号(持续整改)",
        "Closed (ongoing)",
    ),
    ("state.draft", "草稿", "Draft"),
    ("state.in_progress", "正在整改", "In progress"),
    ("state.reopened", "已重新打开", "Reopened"),
    ("state.returned", "已退回", "Returned"),
    ("state.submitted", "待审核", "Submitted"),
    // --- issue 5 follow-up (helper C): pickers, ledger paging, report form ---
    (
        "ledger.fix_filters",
        "筛选条件有误，请按提示修改后再查询。",
        "A filter names nothing that exists: correct it to see the ledger.",
    ),
    (
        "home.stale",
        "以下为 {time} 的统计数据，台账刚有变动，正在重新统计，请稍后刷新。",
        "Figures as of {time}: the ledger has just changed and they are being recounted; reload in a moment.",
    ),
    ("ledger.prev_page", "上一页", "Previous page"),
    (
        "ledger.tree_paged",
        "树形视图每页最多显示 {max} 项措施，本页 {shown} 项，共 {total} 项。可用上方筛选条件缩小范围，或用下方链接翻页。",
        "The tree shows at most {max} measures a page: {shown} here, {total} in all. Narrow it with the filters above or page with the links below.",
    ),
    (
        "pick.ambiguous",
        "{field}：有 {n} 项与“{text}”相符，请在下方选择一项，或输入更完整的名称。",
        "{field}: {n} match “{text}”. Choose one below or type more of the name.",
    ),
    ("pick.choose", "请选择一项", "Choose one"),
    ("pick.chosen", "已选：", "Chosen: "),
    (
        "pick.hint",
        "输入名称或其中一部分",
        "Type the name or part of it",
    ),
    (
        "pick.not_found",
        "{field}：未找到“{text}”，请检查名称。",
        "{field}: nothing named “{text}” was found.",
    ),
    (
        "pick.too_many",
        "{field}：与“{text}”相符的超过 {n} 项，请输入更完整的名称，或在下方前 {n} 项中选择。",
        "{field}: more than {n} match “{text}”. Type more of the name or choose among the first {n} below.",
    ),
    ("report.percent", "完成进度", "Percent complete"),
    ("report.percent_choose", "请选择", "Choose"),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalogue_is_unique() {
        let mut seen = std::collections::HashSet::new();
        for (k, _, _) in CATALOGUE {
            assert!(seen.insert(*k), "{k} appears twice in the catalogue");
        }
    }

    #[test]
    fn every_id_used_in_templates_and_views_exists() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut files = Vec::new();
        for dir in ["templates", "src/ui"] {
            let mut stack = vec![root.join(dir)];
            while let Some(d) = stack.pop() {
                for e in std::fs::read_dir(&d).unwrap() {
                    let p = e.unwrap().path();
                    if p.is_dir() {
                        stack.push(p);
                    } else {
                        files.push(p);
                    }
                }
            }
        }
        let mut checked = 0;
        for f in files {
            let text = std::fs::read_to_string(&f).unwrap();
            for (i, _) in text.match_indices("t(\"") {
                // Only method calls `.t(<id>)`, not e.g. `format!(<text>)`.
                if i == 0 || !text[..i].ends_with('.') {
                    continue;
                }
                let rest = &text[i + 3..];
                let id = &rest[..rest.find('"').unwrap()];
                assert!(
                    Locale::Zh.t(id) != "⟦missing text⟧",
                    "{}: message id {id} missing from the catalogue",
                    f.display()
                );
                checked += 1;
            }
        }
        assert!(checked > 10, "found only {checked} message ids");
    }

    #[test]
    fn dates_per_locale() {
        let d = NaiveDate::from_ymd_opt(2021, 12, 28).unwrap();
        assert_eq!(Locale::Zh.date(d), "2021年12月28日");
        assert_eq!(Locale::En.date(d), "2021-12-28");
    }

    #[test]
    fn accept_language() {
        assert_eq!(Locale::from_accept_language("en-US,en;q=0.9"), Locale::En);
        assert_eq!(
            Locale::from_accept_language("zh-CN,zh;q=0.9,en;q=0.8"),
            Locale::Zh
        );
        assert_eq!(Locale::from_accept_language(""), Locale::Zh);
    }

    #[test]
    fn error_codes_translate_or_fall_back() {
        assert_eq!(Locale::En.error("csrf", "x"), Locale::En.t("err.csrf"));
        assert_eq!(
            Locale::En.error("password_too_short", "至少 12 位 (min 12)"),
            "至少 12 位 (min 12)"
        );
    }
}
