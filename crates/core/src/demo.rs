//! Deterministic synthetic ledgers for demos and benchmarks.
//!
//! [`generate`] builds a plausible rectification ledger (整改台账) as plain data: an organisation
//! tree under a Party committee, its principal leaders and staff, inspection rounds, inspections
//! with aspects, problems and measures, and progress reports. Nothing here touches a database;
//! `rectify_store::bulk::load` writes a [`DemoLedger`] in bulk.
//!
//! Every reference between entities is an index into the ledger's own vectors (parents always
//! come before children), so the loader can map indices to database ids as it inserts.
//!
//! Output depends only on the scale, the seed and the "as of" date: the random numbers come from
//! a small hand-written SplitMix64, not from `rand`, so a seed gives the same ledger on every
//! platform and every dependency version. Each inspection draws from its own stream derived from
//! the seed, so changing one part of the generator does not reshuffle everything after it.

use std::collections::HashSet;
use std::fmt;
use std::str::FromStr;

use chrono::{Datelike, Days, Months, NaiveDate};

use crate::ledger::{InspectionDates, InspectionKind, MeasureKind, Severity};
use crate::state::MeasureState;

/// How much to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scale {
    /// One inspection of one city department, about 50 measures.
    Small,
    /// A city committee's inspections over several terms: about 300 inspected organisations
    /// and 135,000 measures.
    City,
    /// A provincial committee's inspections plus ten cities: about 1,350,000 measures.
    Province,
}

impl Scale {
    pub const ALL: [Scale; 3] = [Scale::Small, Scale::City, Scale::Province];

    pub fn as_str(self) -> &'static str {
        match self {
            Scale::Small => "small",
            Scale::City => "city",
            Scale::Province => "province",
        }
    }

    /// The number of measures the scale aims at (the result lands within a few per cent).
    pub fn target_measures(self) -> usize {
        match self {
            Scale::Small => 50,
            Scale::City => CITY_TARGET,
            Scale::Province => PROVINCE_BODY_TARGET + PROVINCE_CITIES * CITY_IN_PROVINCE_TARGET,
        }
    }
}

impl fmt::Display for Scale {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A scale name that is not `small`, `city` or `province`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown scale {0:?}: expected small, city or province (规模应为 small、city 或 province)")]
pub struct UnknownScale(pub String);

impl FromStr for Scale {
    type Err = UnknownScale;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Scale::ALL
            .into_iter()
            .find(|k| k.as_str().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| UnknownScale(s.to_string()))
    }
}

const CITY_TARGET: usize = 135_000;
const PROVINCE_CITIES: usize = 10;
const CITY_IN_PROVINCE_TARGET: usize = 130_000;
const PROVINCE_BODY_TARGET: usize = 50_000;

/// The "as of" date of [`generate`]: states, percentages and overdue items are as they would
/// stand on this day. Use [`generate_as_of`] with today's date for a demo that looks current.
pub fn default_as_of() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 6, 30).unwrap_or(NaiveDate::MIN)
}

/// An organisation; `parent` is an index into [`DemoLedger::organisations`] (always smaller).
#[derive(Debug, Clone, PartialEq)]
pub struct DemoOrganisation {
    pub parent: Option<usize>,
    pub name: String,
    /// committee, office, discipline, department, enterprise, institution, town, village or unit.
    pub kind: &'static str,
    /// Index into [`DemoLedger::people`].
    pub principal_leader: Option<usize>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct DemoPerson {
    pub organisation: usize,
    pub name: String,
    pub title: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct DemoRound {
    /// The inspecting committee.
    pub organisation: usize,
    pub name: String,
    pub year: i32,
}

#[derive(Debug, Clone, PartialEq)]
pub struct DemoInspection {
    pub round: usize,
    pub kind: InspectionKind,
    pub team: String,
    pub inspected_org: usize,
    pub title: String,
    pub dates: InspectionDates,
}

impl DemoInspection {
    /// The feedback date; always set in generated data.
    pub fn feedback_on(&self) -> NaiveDate {
        self.dates.feedback_on.unwrap_or(NaiveDate::MIN)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct DemoAspect {
    pub inspection: usize,
    pub seq: u32,
    pub marker: String,
    pub title: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct DemoProblem {
    pub inspection: usize,
    pub aspect: usize,
    pub seq: u32,
    pub title: String,
    pub detail: String,
    pub severity: Severity,
}

#[derive(Debug, Clone, PartialEq)]
pub struct DemoMeasure {
    pub problem: usize,
    pub inspection: usize,
    pub seq: u32,
    pub text: String,
    pub kind: MeasureKind,
    pub state: MeasureState,
    /// An internal unit of the inspected organisation, or `None` for the organisation itself.
    pub responsible_unit: Option<usize>,
    pub lead_unit: Option<usize>,
    pub co_units: Vec<usize>,
    pub leader: Option<usize>,
    pub owner: Option<usize>,
    pub liaison: Option<usize>,
    pub deadline: NaiveDate,
    pub percent: u8,
    pub updated_on: NaiveDate,
    pub closed_on: Option<NaiveDate>,
}

/// A progress report answering one or more measures of one problem.
#[derive(Debug, Clone, PartialEq)]
pub struct DemoReport {
    pub measures: Vec<usize>,
    pub reported_on: NaiveDate,
    pub text: String,
    pub percent: u8,
    /// The person who filed it (the organisation's liaison), for display; the store needs an account.
    pub author: Option<usize>,
}

/// A whole generated ledger.
#[derive(Debug, Clone, PartialEq)]
pub struct DemoLedger {
    pub scale: Scale,
    pub seed: u64,
    pub as_of: NaiveDate,
    /// Index 0 is the root committee.
    pub organisations: Vec<DemoOrganisation>,
    pub people: Vec<DemoPerson>,
    pub rounds: Vec<DemoRound>,
    pub inspections: Vec<DemoInspection>,
    pub aspects: Vec<DemoAspect>,
    pub problems: Vec<DemoProblem>,
    pub measures: Vec<DemoMeasure>,
    pub reports: Vec<DemoReport>,
}

impl DemoLedger {
    /// Measures overdue on [`DemoLedger::as_of`] by the same rule the application uses.
    pub fn overdue_count(&self) -> usize {
        self.measures
            .iter()
            .filter(|m| crate::progress::is_overdue(m.state, Some(m.deadline), self.as_of))
            .count()
    }

    /// Measures per state, in [`MeasureState::ALL`] order.
    pub fn state_counts(&self) -> [(MeasureState, usize); 8] {
        let mut out = MeasureState::ALL.map(|s| (s, 0));
        for m in &self.measures {
            if let Some(slot) = out.iter_mut().find(|(s, _)| *s == m.state) {
                slot.1 += 1;
            }
        }
        out
    }

    /// A stable 64-bit digest of the whole ledger (FNV-1a over every field), to compare runs.
    pub fn fingerprint(&self) -> u64 {
        let mut h = Fnv::default();
        h.str(self.scale.as_str());
        h.u64(self.seed);
        h.date(self.as_of);
        for o in &self.organisations {
            h.opt(o.parent);
            h.str(&o.name);
            h.str(o.kind);
            h.opt(o.principal_leader);
        }
        for p in &self.people {
            h.u64(p.organisation as u64);
            h.str(&p.name);
            h.str(&p.title);
        }
        for r in &self.rounds {
            h.u64(r.organisation as u64);
            h.str(&r.name);
            h.u64(r.year as u64);
        }
        for i in &self.inspections {
            h.u64(i.round as u64);
            h.str(i.kind.as_str());
            h.str(&i.team);
            h.u64(i.inspected_org as u64);
            h.str(&i.title);
            for d in [
                i.dates.stationed_from,
                i.dates.stationed_to,
                i.dates.feedback_on,
                i.dates.plan_due,
                i.dates.report_due,
            ] {
                h.opt_date(d);
            }
        }
        for a in &self.aspects {
            h.u64(a.inspection as u64);
            h.u64(u64::from(a.seq));
            h.str(&a.marker);
            h.str(&a.title);
        }
        for p in &self.problems {
            h.u64(p.inspection as u64);
            h.u64(p.aspect as u64);
            h.u64(u64::from(p.seq));
            h.str(&p.title);
            h.str(&p.detail);
            h.u64(u64::from(p.severity.level()));
        }
        for m in &self.measures {
            h.u64(m.problem as u64);
            h.u64(m.inspection as u64);
            h.u64(u64::from(m.seq));
            h.str(&m.text);
            h.str(m.kind.as_str());
            h.str(m.state.as_str());
            h.opt(m.responsible_unit);
            h.opt(m.lead_unit);
            h.u64(m.co_units.len() as u64);
            for c in &m.co_units {
                h.u64(*c as u64);
            }
            h.opt(m.leader);
            h.opt(m.owner);
            h.opt(m.liaison);
            h.date(m.deadline);
            h.u64(u64::from(m.percent));
            h.date(m.updated_on);
            h.opt_date(m.closed_on);
        }
        for r in &self.reports {
            h.u64(r.measures.len() as u64);
            for m in &r.measures {
                h.u64(*m as u64);
            }
            h.date(r.reported_on);
            h.str(&r.text);
            h.u64(u64::from(r.percent));
            h.opt(r.author);
        }
        h.0
    }
}

struct Fnv(u64);

impl Default for Fnv {
    fn default() -> Self {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
}

impl Fnv {
    fn bytes(&mut self, b: &[u8]) {
        for x in b {
            self.0 ^= u64::from(*x);
            self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
        }
    }
    fn u64(&mut self, v: u64) {
        self.bytes(&v.to_le_bytes());
    }
    fn str(&mut self, s: &str) {
        self.u64(s.len() as u64);
        self.bytes(s.as_bytes());
    }
    fn opt(&mut self, v: Option<usize>) {
        self.u64(v.map_or(u64::MAX, |v| v as u64));
    }
    fn date(&mut self, d: NaiveDate) {
        self.u64(d.num_days_from_ce() as u64);
    }
    fn opt_date(&mut self, d: Option<NaiveDate>) {
        self.u64(d.map_or(u64::MAX, |d| d.num_days_from_ce() as u64));
    }
}

// ---------------------------------------------------------------------------------------------
// Random numbers: SplitMix64, stable forever.

#[derive(Debug, Clone)]
struct Rng(u64);

fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(mix(seed ^ 0x5245_4354_4946_5921))
    }
    /// An independent stream for one part of the output.
    fn derive(seed: u64, tag: u64, index: u64) -> Rng {
        Rng(mix(mix(seed ^ 0x5245_4354_4946_5921)
            ^ mix(tag.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ index)))
    }
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        mix(self.0)
    }
    /// Uniform in `0..n` (0 when `n` is 0).
    fn below(&mut self, n: usize) -> usize {
        ((u128::from(self.next()) * n as u128) >> 64) as usize
    }
    /// Uniform in `lo..=hi`.
    fn range(&mut self, lo: i64, hi: i64) -> i64 {
        if hi <= lo {
            return lo;
        }
        lo + self.below((hi - lo + 1) as usize) as i64
    }
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
    fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
    /// An index weighted by `weights`.
    fn weighted(&mut self, weights: &[u32]) -> usize {
        let total: u32 = weights.iter().sum();
        let mut x = self.below(total as usize) as u32;
        for (i, w) in weights.iter().enumerate() {
            if x < *w {
                return i;
            }
            x -= w;
        }
        weights.len().saturating_sub(1)
    }
    /// Fisher–Yates.
    fn shuffle<T>(&mut self, v: &mut [T]) {
        for i in (1..v.len()).rev() {
            let j = self.below(i + 1);
            v.swap(i, j);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Word lists.

const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭",
    "何", "高", "林", "罗", "郑", "梁", "谢", "宋", "唐", "许", "韩", "冯", "邓", "曹", "彭", "曾",
    "肖", "田", "董", "袁", "潘", "于", "蒋", "蔡", "余", "杜", "叶", "程", "苏", "魏", "吕", "丁",
    "任", "沈", "姚", "卢", "姜", "崔", "钟", "谭", "陆", "汪", "范", "金", "石", "廖", "贾", "夏",
    "韦", "付", "方", "白", "邹", "孟", "熊", "秦", "邱", "江", "尹", "薛", "闫", "段", "雷", "侯",
    "龙", "史", "陶", "黎", "贺", "顾", "毛", "郝", "龚", "邵", "万", "钱", "严", "覃", "武", "戴",
    "莫", "孔", "向", "汤",
];

const GIVEN: &[&str] = &[
    "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明",
    "超", "秀", "霞", "平", "刚", "桂", "英", "华", "文", "建", "国", "志", "红", "玉", "兰", "辉",
    "斌", "波", "宇", "浩", "凯", "鹏", "飞", "俊", "帆", "晨", "欣", "婷", "雪", "琳", "颖", "佳",
    "思", "雨", "梓", "子", "晓", "海", "林", "峰", "鑫", "亮", "旭", "东", "成", "荣", "新", "春",
    "利", "庆", "振", "永", "德", "立", "家", "嘉", "泽", "瑞", "博", "昊", "健", "晶", "燕", "琴",
    "慧", "蕾", "倩", "宁", "萍", "莉", "璐", "彤", "阳", "冬", "松", "龙", "良", "毅", "锋", "军",
    "卫", "红", "向", "学",
];

const CITY_NAMES: &[&str] = &[
    "江州", "云川", "临江", "青阳", "安平", "长宁", "东溪", "南湖", "北岭", "清源", "河西", "永安",
];

const PROVINCE_NAME: &str = "江南";

/// City-level departments; the leading 市 is replaced by the city's name.
const CITY_DEPARTMENTS: &[&str] = &[
    "市发展和改革局",
    "市教育局",
    "市科学技术局",
    "市工业和信息化局",
    "市公安局",
    "市民政局",
    "市司法局",
    "市财政局",
    "市人力资源和社会保障局",
    "市自然资源局",
    "市生态环境局",
    "市住房和城乡建设局",
    "市交通运输局",
    "市水务局",
    "市农业农村局",
    "市商务局",
    "市文化广电旅游体育局",
    "市卫生健康局",
    "市退役军人事务局",
    "市应急管理局",
    "市审计局",
    "市市场监督管理局",
    "市统计局",
    "市医疗保障局",
    "市林业局",
    "市城市管理综合执法局",
    "市政务服务数据管理局",
    "市信访局",
    "市机关事务管理局",
    "市国有资产监督管理委员会",
    "市人民政府办公室",
    "市委办公室",
    "市委组织部",
    "市委宣传部",
    "市委统战部",
    "市委政法委员会",
    "市委机构编制委员会办公室",
    "市委党校",
    "市人大常委会机关",
    "市政协机关",
    "市总工会",
    "共青团市委",
    "市妇女联合会",
    "市科学技术协会",
    "市文学艺术界联合会",
    "市残疾人联合会",
    "市红十字会",
    "市供销合作社联合社",
    "市住房公积金管理中心",
    "市公共资源交易中心",
    "市地方金融管理局",
    "市粮食和物资储备局",
    "市人民检察院",
    "市中级人民法院",
];

const CITY_ENTERPRISES: &[&str] = &[
    "市城市建设投资集团有限公司",
    "市交通投资集团有限公司",
    "市水务集团有限公司",
    "市国有资本投资运营集团有限公司",
    "市文化旅游发展集团有限公司",
    "市农业发展集团有限公司",
    "市产业投资控股集团有限公司",
    "市公共交通集团有限公司",
    "市能源集团有限公司",
    "市金融控股集团有限公司",
    "市农村商业银行股份有限公司",
];

const CITY_INSTITUTIONS: &[&str] = &[
    "市人民医院",
    "市中医院",
    "市妇幼保健院",
    "市第二人民医院",
    "市疾病预防控制中心",
    "市第一中学",
    "市实验中学",
    "市职业技术学院",
    "市广播电视台",
    "市图书馆",
    "市博物馆",
    "市社会福利院",
];

const PROVINCE_DEPARTMENTS: &[&str] = &[
    "省发展和改革委员会",
    "省教育厅",
    "省科学技术厅",
    "省工业和信息化厅",
    "省公安厅",
    "省民政厅",
    "省司法厅",
    "省财政厅",
    "省人力资源和社会保障厅",
    "省自然资源厅",
    "省生态环境厅",
    "省住房和城乡建设厅",
    "省交通运输厅",
    "省水利厅",
    "省农业农村厅",
    "省商务厅",
    "省文化和旅游厅",
    "省卫生健康委员会",
    "省退役军人事务厅",
    "省应急管理厅",
    "省审计厅",
    "省市场监督管理局",
    "省统计局",
    "省医疗保障局",
    "省林业局",
    "省地方金融管理局",
    "省政务服务和数据管理局",
    "省信访局",
    "省机关事务管理局",
    "省国有资产监督管理委员会",
    "省体育局",
    "省粮食和物资储备局",
    "省人民政府办公厅",
    "省委办公厅",
    "省委组织部",
    "省委宣传部",
    "省委统战部",
    "省委政法委员会",
    "省委党校",
    "省总工会",
    "共青团省委",
    "省妇女联合会",
    "省科学技术协会",
    "省高级人民法院",
    "省人民检察院",
];

const PROVINCE_ENTERPRISES: &[&str] = &[
    "省交通投资集团有限公司",
    "省能源集团有限公司",
    "省建设投资集团有限公司",
    "省旅游控股集团有限公司",
    "省农业发展集团有限公司",
    "省港航集团有限公司",
];

const PROVINCE_INSTITUTIONS: &[&str] = &[
    "江南大学",
    "江南师范大学",
    "江南医科大学",
    "省人民医院",
    "省肿瘤医院",
    "江南职业技术学院",
];

const DEPARTMENT_UNITS: &[&str] = &[
    "综合科",
    "规划科",
    "财务科",
    "人事科",
    "政策法规科",
    "行政审批科",
    "监督检查科",
    "信息中心",
    "机关党委办公室",
    "安全监管科",
    "项目管理科",
    "宣传教育科",
];
const TOWN_UNITS: &[&str] = &[
    "党建工作办公室",
    "经济发展办公室",
    "社会事务办公室",
    "规划建设办公室",
    "农业农村办公室",
    "综合行政执法队",
    "财政所",
    "应急管理办公室",
    "社区服务中心",
    "退役军人服务站",
];
const VILLAGE_UNITS: &[&str] = &["村民委员会", "村务监督委员会", "股份经济合作社"];
const COMMUNITY_UNITS: &[&str] = &["居民委员会", "社区服务站", "网格管理站"];
const ENTERPRISE_UNITS: &[&str] = &[
    "党群工作部",
    "财务部",
    "人力资源部",
    "工程管理部",
    "投资发展部",
    "审计法务部",
    "安全生产部",
    "运营管理部",
];
const HOSPITAL_UNITS: &[&str] = &[
    "院长办公室",
    "医务科",
    "护理部",
    "财务科",
    "人事科",
    "总务科",
    "纪检监察室",
    "药剂科",
];
const SCHOOL_UNITS: &[&str] = &[
    "教务处",
    "学生工作处",
    "财务处",
    "人事处",
    "后勤管理处",
    "团委",
    "招生就业处",
];
const OTHER_INSTITUTION_UNITS: &[&str] = &["综合部", "财务科", "业务科", "人事科", "技术保障部"];

const PLACE_FIRST: &[&str] = &[
    "石", "长", "虎", "厚", "清", "塘", "樟", "凤", "大", "黄", "常", "桥", "横", "谢", "洪", "麻",
    "望", "中", "道", "高", "茶", "寮", "沙", "东", "南", "万", "新", "金", "白", "青", "松", "柏",
    "龙", "鹤", "仙", "桃", "杏", "梅", "兰", "双",
];
const PLACE_SECOND: &[&str] = &[
    "龙", "安", "门", "岭", "溪", "湖", "田", "坪", "埔", "塘", "桥", "山", "坑", "岗", "湾", "头",
    "口", "洲", "源", "江", "阳", "平", "林", "圳", "岭", "坝", "滘", "浦", "庄", "屯",
];

const STUDY: &[&str] = &[
    "习近平新时代中国特色社会主义思想",
    "党的二十大精神",
    "《中国共产党纪律处分条例》",
    "中央八项规定及其实施细则精神",
    "《党政领导干部选拔任用工作条例》",
    "《中国共产党支部工作条例（试行）》",
    "习近平总书记关于巡视工作的重要论述",
];

const CHECKS: &[&str] = &[
    "日常监督检查",
    "年度考核",
    "专项审计",
    "党风廉政建设责任制检查",
    "季度督查",
];

/// Aspect categories: the title's lead phrase and the problems found under it (phrase, subject).
struct Category {
    title: &'static str,
    topics: &'static [(&'static str, &'static str)],
}

const CATEGORIES: &[Category] = &[
    Category {
        title: "党的领导方面：贯彻落实党的路线方针政策和党中央决策部署不够到位",
        topics: &[
            (
                "学习贯彻习近平新时代中国特色社会主义思想不够深入",
                "理论学习",
            ),
            ("落实理论学习中心组学习制度不严格", "中心组学习"),
            ("贯彻落实上级重大决策部署不够到位", "重大决策部署落实"),
            ("服务高质量发展主动性不强", "服务高质量发展"),
            ("重点项目推进缓慢", "重点项目建设"),
            ("优化营商环境举措落实不到位", "营商环境优化"),
            ("防范化解重大风险存在薄弱环节", "风险防范化解"),
            ("安全生产责任落实不到位", "安全生产"),
            ("“三重一大”决策制度执行不严格", "“三重一大”决策"),
            ("民生实事办理成效不明显", "民生实事办理"),
        ],
    },
    Category {
        title: "全面从严治党方面：落实党风廉政建设主体责任和监督责任不够有力",
        topics: &[
            ("落实全面从严治党主体责任不到位", "全面从严治党主体责任落实"),
            ("落实中央八项规定精神不够严格", "中央八项规定精神落实"),
            ("公务接待管理不规范", "公务接待管理"),
            ("公务用车管理不严格", "公务用车管理"),
            ("财务管理不规范", "财务管理"),
            ("政府采购程序不规范", "政府采购"),
            ("工程项目管理存在廉洁风险", "工程项目管理"),
            ("国有资产管理不规范", "国有资产管理"),
            ("廉政风险防控机制不健全", "廉政风险防控"),
            ("违规发放津贴补贴问题仍有发生", "津贴补贴发放"),
        ],
    },
    Category {
        title: "选人用人方面：落实新时代党的组织路线和干部选拔任用工作有差距",
        topics: &[
            ("干部选拔任用程序不规范", "干部选拔任用"),
            ("干部队伍建设统筹谋划不够", "干部队伍建设"),
            ("干部人事档案管理不规范", "干部人事档案管理"),
            ("领导干部个人有关事项报告不如实", "个人有关事项报告"),
            ("干部教育培训针对性不强", "干部教育培训"),
            ("编外人员管理不规范", "编外人员管理"),
            ("干部交流轮岗制度落实不到位", "干部交流轮岗"),
        ],
    },
    Category {
        title: "基层党建方面：基层党组织建设和党员教育管理存在薄弱环节",
        topics: &[
            ("基层党组织建设薄弱", "基层党组织建设"),
            ("“三会一课”制度落实不到位", "“三会一课”制度落实"),
            ("党员发展和教育管理不规范", "党员发展和教育管理"),
            ("党费收缴使用管理不规范", "党费收缴管理"),
            ("民主生活会和组织生活会质量不高", "民主生活会和组织生活会"),
            ("党建与业务工作融合不够", "党建与业务融合"),
            ("基层党组织换届工作不规范", "基层党组织换届"),
        ],
    },
    Category {
        title: "巡察整改方面：上轮巡察及审计等监督发现问题整改不到位",
        topics: &[
            ("上轮巡察反馈问题整改不彻底", "上轮巡察整改"),
            ("审计发现问题整改不到位", "审计整改"),
            ("整改长效机制建设不健全", "整改长效机制建设"),
            ("整改台账管理不规范", "整改台账管理"),
            ("整改责任压得不实", "整改责任落实"),
        ],
    },
    Category {
        title: "意识形态方面：落实意识形态工作责任制不够扎实",
        topics: &[
            ("意识形态工作责任制落实不到位", "意识形态工作"),
            ("网络意识形态阵地管理不严", "网络意识形态阵地管理"),
            ("宣传思想工作创新不足", "宣传思想工作"),
            ("意识形态领域风险研判不及时", "意识形态风险研判"),
        ],
    },
];

const SPECIAL_TOPICS: &[&str] = &[
    "乡村振兴领域",
    "医疗卫生领域",
    "教育领域",
    "粮食购销领域",
    "国有企业",
    "选人用人",
    "安全生产领域",
];

// ---------------------------------------------------------------------------------------------
// Small helpers.

fn add_days(d: NaiveDate, n: i64) -> NaiveDate {
    if n >= 0 {
        d.checked_add_days(Days::new(n as u64)).unwrap_or(d)
    } else {
        d.checked_sub_days(Days::new(n.unsigned_abs())).unwrap_or(d)
    }
}

fn add_months(d: NaiveDate, n: u32) -> NaiveDate {
    d.checked_add_months(Months::new(n)).unwrap_or(d)
}

fn month_end(d: NaiveDate) -> NaiveDate {
    let first = NaiveDate::from_ymd_opt(d.year(), d.month(), 1).unwrap_or(d);
    add_days(add_months(first, 1), -1)
}

fn days_between(a: NaiveDate, b: NaiveDate) -> i64 {
    (b - a).num_days()
}

/// The city or province name in place of the leading 市/省 of a generic name.
fn localise(generic: &str, marker: char, place: &str) -> String {
    if generic.starts_with(marker) {
        format!("{place}{generic}")
    } else if let Some(i) = generic.find(marker) {
        format!("{}{place}{}", &generic[..i], &generic[i..])
    } else {
        generic.to_string()
    }
}

// ---------------------------------------------------------------------------------------------
// The generator.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Category2 {
    Department,
    Enterprise,
    Hospital,
    School,
    OtherInstitution,
    Town,
    Street,
    Village,
    Community,
}

impl Category2 {
    fn kind(self) -> &'static str {
        match self {
            Category2::Department => "department",
            Category2::Enterprise => "enterprise",
            Category2::Hospital | Category2::School | Category2::OtherInstitution => "institution",
            Category2::Town | Category2::Street => "town",
            Category2::Village | Category2::Community => "village",
        }
    }
    /// The Party organisation named in an inspection's title.
    fn party(self) -> &'static str {
        match self {
            Category2::Department => "党组",
            Category2::Street => "党工委",
            Category2::Village => "党总支",
            _ => "党委",
        }
    }
    fn small(self) -> bool {
        matches!(self, Category2::Village | Category2::Community)
    }
}

/// What the generator remembers about an inspected organisation.
#[derive(Debug, Clone)]
struct Inspected {
    org: usize,
    cat: Category2,
    units: Vec<usize>,
    unit_heads: Vec<usize>,
    principal: usize,
    deputies: Vec<usize>,
    liaison: usize,
    inspections: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Level {
    City,
    Province,
}

/// An inspecting committee and the organisations it inspects.
struct Body {
    committee: usize,
    level: Level,
    /// Indices into `Gen::inspected` of departments, enterprises, institutions and towns.
    big: Vec<usize>,
    /// Per town: its villages (indices into `Gen::inspected`).
    villages: Vec<Vec<usize>>,
    target: usize,
    teams: usize,
    /// Rounds of the current (latest) term so far.
    current_term_rounds: usize,
    current_term: usize,
}

/// One inspection's content, generated before it is placed in the ledger.
struct Draft {
    kind: InspectionKind,
    team: usize,
    inspected: usize,
    dates: InspectionDates,
    aspects: Vec<(String, String, Vec<ProblemDraft>)>,
}

struct ProblemDraft {
    title: String,
    detail: String,
    severity: Severity,
    measures: Vec<DemoMeasure>,
}

struct Gen {
    seed: u64,
    as_of: NaiveDate,
    rng: Rng,
    out: DemoLedger,
    inspected: Vec<Inspected>,
    draft_counter: u64,
}

/// Generate a ledger as of [`default_as_of`].
pub fn generate(scale: Scale, seed: u64) -> DemoLedger {
    generate_as_of(scale, seed, default_as_of())
}

/// Generate a ledger whose states stand as they would on `as_of` (every feedback date falls
/// before it). Same arguments, same ledger.
pub fn generate_as_of(scale: Scale, seed: u64, as_of: NaiveDate) -> DemoLedger {
    let mut g = Gen {
        seed,
        as_of,
        rng: Rng::new(seed),
        out: DemoLedger {
            scale,
            seed,
            as_of,
            organisations: Vec::new(),
            people: Vec::new(),
            rounds: Vec::new(),
            inspections: Vec::new(),
            aspects: Vec::new(),
            problems: Vec::new(),
            measures: Vec::new(),
            reports: Vec::new(),
        },
        inspected: Vec::new(),
        draft_counter: 0,
    };
    match scale {
        Scale::Small => g.small(),
        Scale::City => {
            let city = CITY_NAMES[0];
            let root = g.org(None, format!("中共{city}市委"), "committee");
            let body = g.city_tree(root, city, 300, CITY_TARGET);
            g.person_for(root, "市委书记", true);
            g.body_rounds(&body);
        }
        Scale::Province => {
            let root = g.org(None, format!("中共{PROVINCE_NAME}省委"), "committee");
            g.person_for(root, "省委书记", true);
            let pbody = g.province_tree(root);
            let mut bodies = vec![pbody];
            for city in CITY_NAMES.iter().take(PROVINCE_CITIES) {
                let c = g.org(Some(root), format!("中共{city}市委"), "committee");
                g.person_for(c, "市委书记", true);
                bodies.push(g.city_tree(c, city, 300, CITY_IN_PROVINCE_TARGET));
            }
            for b in &bodies {
                g.body_rounds(b);
            }
        }
    }
    g.out
}

impl Gen {
    fn org(&mut self, parent: Option<usize>, name: String, kind: &'static str) -> usize {
        self.out.organisations.push(DemoOrganisation {
            parent,
            name,
            kind,
            principal_leader: None,
        });
        self.out.organisations.len() - 1
    }

    fn name(&mut self, taken: &mut HashSet<String>) -> String {
        let mut last = String::new();
        for _ in 0..20 {
            // Common surnames are more common: square the uniform draw.
            let u = self.rng.unit();
            let s = SURNAMES[((u * u) * SURNAMES.len() as f64) as usize % SURNAMES.len()];
            let g1 = *self.rng.pick(GIVEN);
            let n = if self.rng.chance(0.3) {
                format!("{s}{g1}")
            } else {
                format!("{s}{g1}{}", self.rng.pick(GIVEN))
            };
            if taken.insert(n.clone()) {
                return n;
            }
            last = n;
        }
        last
    }

    fn person(&mut self, org: usize, title: String, taken: &mut HashSet<String>) -> usize {
        let name = self.name(taken);
        self.out.people.push(DemoPerson {
            organisation: org,
            name,
            title,
        });
        self.out.people.len() - 1
    }

    /// A single person (for committees and offices); optionally the principal leader.
    fn person_for(&mut self, org: usize, title: &str, principal: bool) -> usize {
        let mut taken = HashSet::new();
        let p = self.person(org, title.to_string(), &mut taken);
        if principal {
            self.out.organisations[org].principal_leader = Some(p);
        }
        p
    }

    /// An inspected organisation with its leaders, internal units, unit heads and staff.
    fn inspected_org(&mut self, parent: usize, name: String, cat: Category2) -> usize {
        let org = self.org(Some(parent), name.clone(), cat.kind());
        let head = head_title(&name, cat);
        let party = cat.party();
        let mut taken = HashSet::new();
        let (principal_title, deputy_title, deputies) = match cat {
            Category2::Department => (
                format!(
                    "{party}书记{}",
                    head.map(|h| format!("、{h}")).unwrap_or_default()
                ),
                format!("{party}成员、副{}", head.unwrap_or("主任")),
                self.rng.range(2, 4),
            ),
            Category2::Enterprise => (
                "党委书记、董事长".to_string(),
                "党委委员、副总经理".to_string(),
                self.rng.range(2, 4),
            ),
            Category2::Hospital => (
                "党委书记".to_string(),
                "党委委员、副院长".to_string(),
                self.rng.range(2, 3),
            ),
            Category2::School => (
                "党委书记".to_string(),
                "党委委员、副校长".to_string(),
                self.rng.range(2, 3),
            ),
            Category2::OtherInstitution => (
                "党支部书记、主任".to_string(),
                "副主任".to_string(),
                self.rng.range(1, 2),
            ),
            Category2::Town => (
                "镇党委书记".to_string(),
                "镇党委委员、副镇长".to_string(),
                self.rng.range(3, 4),
            ),
            Category2::Street => (
                "街道党工委书记".to_string(),
                "街道党工委委员、办事处副主任".to_string(),
                self.rng.range(3, 4),
            ),
            Category2::Village => (
                "村党总支书记、村委会主任".to_string(),
                "村党总支委员".to_string(),
                self.rng.range(1, 2),
            ),
            Category2::Community => (
                "社区党委书记、居委会主任".to_string(),
                "社区党委委员".to_string(),
                self.rng.range(1, 2),
            ),
        };
        let principal = self.person(org, principal_title, &mut taken);
        self.out.organisations[org].principal_leader = Some(principal);
        let deputies: Vec<usize> = (0..deputies)
            .map(|_| self.person(org, deputy_title.clone(), &mut taken))
            .collect();
        let (office, pool, n): (&str, &[&str], (i64, i64)) = match cat {
            Category2::Department => ("办公室", DEPARTMENT_UNITS, (4, 7)),
            Category2::Enterprise => ("综合办公室", ENTERPRISE_UNITS, (4, 6)),
            Category2::Hospital => ("党委办公室", HOSPITAL_UNITS, (4, 6)),
            Category2::School => ("党政办公室", SCHOOL_UNITS, (4, 6)),
            Category2::OtherInstitution => ("办公室", OTHER_INSTITUTION_UNITS, (2, 3)),
            Category2::Town | Category2::Street => ("党政办公室", TOWN_UNITS, (4, 7)),
            Category2::Village => ("党群服务中心", VILLAGE_UNITS, (1, 2)),
            Category2::Community => ("党群服务中心", COMMUNITY_UNITS, (1, 2)),
        };
        let mut names: Vec<&str> = pool.to_vec();
        self.rng.shuffle(&mut names);
        names.truncate(self.rng.range(n.0, n.1) as usize);
        names.insert(0, office);
        let mut units = Vec::new();
        let mut heads = Vec::new();
        let mut liaison = principal;
        for (i, u) in names.iter().enumerate() {
            let unit = self.org(Some(org), (*u).to_string(), "unit");
            let head = self.person(unit, unit_head_title(u, cat).to_string(), &mut taken);
            self.out.organisations[unit].principal_leader = Some(head);
            let staff = if cat.small() { 0 } else { self.rng.range(1, 2) };
            for k in 0..staff {
                let title = if i == 0 && k == 0 {
                    "整改工作联络员"
                } else {
                    *self
                        .rng
                        .pick(&["一级科员", "四级主任科员", "科员", "工作人员"])
                };
                let p = self.person(unit, title.to_string(), &mut taken);
                if i == 0 && k == 0 {
                    liaison = p;
                }
            }
            if i == 0 && staff == 0 {
                liaison = head;
            }
            units.push(unit);
            heads.push(head);
        }
        self.inspected.push(Inspected {
            org,
            cat,
            units,
            unit_heads: heads,
            principal,
            deputies,
            liaison,
            inspections: 0,
        });
        self.inspected.len() - 1
    }

    /// A unique two-character place name within `taken`.
    fn place(&mut self, taken: &mut HashSet<String>) -> String {
        let mut last = String::new();
        for _ in 0..50 {
            let n = format!(
                "{}{}",
                self.rng.pick(PLACE_FIRST),
                self.rng.pick(PLACE_SECOND)
            );
            if taken.insert(n.clone()) {
                return n;
            }
            last = n;
        }
        last
    }

    fn offices(&mut self, committee: usize, level: Level, place: &str) {
        let (office, discipline, office_head, discipline_head) = match level {
            Level::City => (
                format!("中共{place}市委巡察工作领导小组办公室"),
                format!("{place}市纪委监委"),
                "市委巡察办主任",
                "市纪委副书记、市监委副主任",
            ),
            Level::Province => (
                format!("中共{place}省委巡视工作领导小组办公室"),
                format!("{place}省纪委监委"),
                "省委巡视办主任",
                "省纪委副书记、省监委副主任",
            ),
        };
        let o = self.org(Some(committee), office, "office");
        self.person_for(o, office_head, true);
        self.person_for(o, "整改督查科科长", false);
        let d = self.org(Some(committee), discipline, "discipline");
        self.person_for(d, discipline_head, true);
        self.person_for(d, "第一监督检查室主任", false);
    }

    /// A city committee's tree: offices, departments, enterprises, institutions, towns and
    /// villages, about `inspected` organisations in all.
    fn city_tree(&mut self, committee: usize, city: &str, inspected: usize, target: usize) -> Body {
        self.offices(committee, Level::City, city);
        let mut big = Vec::new();
        for d in CITY_DEPARTMENTS {
            big.push(self.inspected_org(committee, localise(d, '市', city), Category2::Department));
        }
        for d in CITY_ENTERPRISES {
            big.push(self.inspected_org(committee, localise(d, '市', city), Category2::Enterprise));
        }
        for d in CITY_INSTITUTIONS {
            let cat = if d.ends_with("医院") || d.ends_with("保健院") {
                Category2::Hospital
            } else if d.ends_with("中学") || d.ends_with("学院") {
                Category2::School
            } else {
                Category2::OtherInstitution
            };
            big.push(self.inspected_org(committee, localise(d, '市', city), cat));
        }
        let towns = 30;
        let villages_total = inspected.saturating_sub(big.len() + towns);
        let mut town_names = HashSet::new();
        let mut villages = Vec::new();
        for t in 0..towns {
            let street = t % 4 == 0;
            let place = self.place(&mut town_names);
            let (name, cat) = if street {
                (format!("{place}街道办事处"), Category2::Street)
            } else {
                (format!("{place}镇人民政府"), Category2::Town)
            };
            let ti = self.inspected_org(committee, name, cat);
            big.push(ti);
            let town_org = self.inspected[ti].org;
            let n = villages_total / towns + usize::from(t < villages_total % towns);
            let mut village_names = HashSet::new();
            let mut vs = Vec::new();
            for _ in 0..n {
                let place = self.place(&mut village_names);
                let community = street || self.rng.chance(0.2);
                let (name, cat) = if community {
                    (format!("{place}社区"), Category2::Community)
                } else {
                    (format!("{place}村"), Category2::Village)
                };
                vs.push(self.inspected_org(town_org, name, cat));
            }
            villages.push(vs);
        }
        Body {
            committee,
            level: Level::City,
            big,
            villages,
            target,
            teams: 14,
            current_term_rounds: 7,
            current_term: 14,
        }
    }

    fn province_tree(&mut self, committee: usize) -> Body {
        self.offices(committee, Level::Province, PROVINCE_NAME);
        let mut big = Vec::new();
        for d in PROVINCE_DEPARTMENTS {
            big.push(self.inspected_org(
                committee,
                localise(d, '省', PROVINCE_NAME),
                Category2::Department,
            ));
        }
        for d in PROVINCE_ENTERPRISES {
            big.push(self.inspected_org(
                committee,
                localise(d, '省', PROVINCE_NAME),
                Category2::Enterprise,
            ));
        }
        for d in PROVINCE_INSTITUTIONS {
            let cat = if d.ends_with("医院") {
                Category2::Hospital
            } else {
                Category2::School
            };
            big.push(self.inspected_org(committee, localise(d, '省', PROVINCE_NAME), cat));
        }
        Body {
            committee,
            level: Level::Province,
            big,
            villages: Vec::new(),
            target: PROVINCE_BODY_TARGET,
            teams: 12,
            current_term_rounds: 5,
            current_term: 12,
        }
    }

    fn small(&mut self) {
        let city = CITY_NAMES[0];
        let root = self.org(None, format!("中共{city}市委"), "committee");
        self.person_for(root, "市委书记", true);
        self.offices(root, Level::City, city);
        let ins = self.inspected_org(
            root,
            localise("市教育局", '市', city),
            Category2::Department,
        );
        let feedback = add_days(self.as_of, -120);
        let body = Body {
            committee: root,
            level: Level::City,
            big: vec![ins],
            villages: Vec::new(),
            target: 50,
            teams: 1,
            current_term_rounds: 7,
            current_term: 14,
        };
        let draft = self.draft(ins, 3, InspectionKind::Regular, feedback, Some(50));
        self.place_round(&body, 0, vec![draft], feedback);
    }

    /// Plan rounds backwards from `as_of` until the body's measures reach its target, then
    /// place them in the ledger in chronological order.
    fn body_rounds(&mut self, body: &Body) {
        let mut rounds: Vec<(NaiveDate, Vec<Draft>)> = Vec::new();
        let mut measures = 0usize;
        let mut big_order: Vec<usize> = body.big.clone();
        self.rng.shuffle(&mut big_order);
        let mut big_cursor = 0usize;
        let mut town_cursor = 0usize;
        let mut back = 0i64;
        while measures < body.target {
            // The latest round's feedback came about ten weeks before `as_of`; rounds are a quarter apart.
            let feedback = add_days(self.as_of, -72 - back * 91 + self.rng.range(-6, 6));
            let mut drafts = Vec::new();
            let mut seen = HashSet::new();
            for team in 1..=body.teams {
                if measures >= body.target {
                    break;
                }
                let villages = !body.villages.is_empty() && self.rng.chance(0.3);
                let picks: Vec<usize> = if villages {
                    let town = town_cursor % body.villages.len();
                    town_cursor += 1;
                    let vs = &body.villages[town];
                    let n = (self.rng.range(3, 6) as usize).min(vs.len());
                    let start = self.rng.below(vs.len().max(1));
                    (0..n).map(|k| vs[(start + k) % vs.len()]).collect()
                } else {
                    let n = self.rng.range(2, 3) as usize;
                    (0..n)
                        .map(|_| {
                            let v = big_order[big_cursor % big_order.len()];
                            big_cursor += 1;
                            v
                        })
                        .collect()
                };
                for ins in picks {
                    if !seen.insert(ins) {
                        continue;
                    }
                    let kind = if self.inspected[ins].inspections > 0 && self.rng.chance(0.25) {
                        InspectionKind::FollowUp
                    } else if self.rng.chance(0.12) {
                        InspectionKind::Special
                    } else if self.rng.chance(0.06) {
                        InspectionKind::Flexible
                    } else {
                        InspectionKind::Regular
                    };
                    let fb = add_days(feedback, self.rng.range(-3, 3));
                    let d = self.draft(ins, team, kind, fb, None);
                    measures += d
                        .aspects
                        .iter()
                        .flat_map(|a| &a.2)
                        .map(|p| p.measures.len())
                        .sum::<usize>();
                    drafts.push(d);
                }
            }
            rounds.push((feedback, drafts));
            back += 1;
        }
        let total = rounds.len();
        for (i, (feedback, drafts)) in rounds.into_iter().rev().enumerate() {
            let back = total - 1 - i;
            self.place_round(body, back, drafts, feedback);
        }
    }

    /// Name a round by how far back it lies: the current term has `current_term_rounds` so far,
    /// earlier terms twelve each.
    fn round_name(&self, body: &Body, back: usize) -> String {
        let (term, number) = if back < body.current_term_rounds {
            (body.current_term, body.current_term_rounds - back)
        } else {
            let b = back - body.current_term_rounds;
            (
                body.current_term.saturating_sub(1 + b / 12).max(1),
                12 - b % 12,
            )
        };
        match body.level {
            Level::City => format!(
                "{}届市委第{}轮巡察",
                crate::text::chinese_numeral(term),
                crate::text::chinese_numeral(number)
            ),
            Level::Province => format!(
                "{}届省委第{}轮巡视",
                crate::text::chinese_numeral(term),
                crate::text::chinese_numeral(number)
            ),
        }
    }

    fn place_round(&mut self, body: &Body, back: usize, drafts: Vec<Draft>, feedback: NaiveDate) {
        let name = self.round_name(body, back);
        self.out.rounds.push(DemoRound {
            organisation: body.committee,
            name: name.clone(),
            year: feedback.year(),
        });
        let round = self.out.rounds.len() - 1;
        for d in drafts {
            let ins = &self.inspected[d.inspected];
            let org_name = self.out.organisations[ins.org].name.clone();
            let party = ins.cat.party();
            let team = match body.level {
                Level::City => format!("市委第{}巡察组", crate::text::chinese_numeral(d.team)),
                Level::Province => format!("省委第{}巡视组", crate::text::chinese_numeral(d.team)),
            };
            let what = match body.level {
                Level::City => "巡察",
                Level::Province => "巡视",
            };
            let title = match d.kind {
                InspectionKind::Regular => format!("{name}：对{org_name}{party}开展常规{what}"),
                InspectionKind::Special => {
                    let topic = SPECIAL_TOPICS[(d.team + back) % SPECIAL_TOPICS.len()];
                    format!("{name}：对{org_name}{party}开展{topic}专项{what}")
                }
                InspectionKind::Flexible => format!("{name}：对{org_name}{party}开展机动{what}"),
                InspectionKind::FollowUp => {
                    format!("{name}：对{org_name}{party}开展{what}“回头看”")
                }
            };
            let inspected_org = ins.org;
            self.out.inspections.push(DemoInspection {
                round,
                kind: d.kind,
                team,
                inspected_org,
                title,
                dates: d.dates,
            });
            let inspection = self.out.inspections.len() - 1;
            for (a_seq, (marker, title, problems)) in d.aspects.into_iter().enumerate() {
                self.out.aspects.push(DemoAspect {
                    inspection,
                    seq: a_seq as u32 + 1,
                    marker,
                    title,
                });
                let aspect = self.out.aspects.len() - 1;
                for (p_seq, p) in problems.into_iter().enumerate() {
                    self.out.problems.push(DemoProblem {
                        inspection,
                        aspect,
                        seq: p_seq as u32 + 1,
                        title: p.title,
                        detail: p.detail,
                        severity: p.severity,
                    });
                    let problem = self.out.problems.len() - 1;
                    let first = self.out.measures.len();
                    for mut m in p.measures {
                        m.problem = problem;
                        m.inspection = inspection;
                        self.out.measures.push(m);
                    }
                    let last = self.out.measures.len();
                    self.reports_for(first..last, d.inspected);
                }
            }
        }
    }

    /// One inspection's dates, aspects, problems and measures, from its own random stream.
    fn draft(
        &mut self,
        ins: usize,
        team: usize,
        kind: InspectionKind,
        feedback: NaiveDate,
        budget: Option<usize>,
    ) -> Draft {
        self.draft_counter += 1;
        let mut r = Rng::derive(self.seed, 1, self.draft_counter);
        self.inspected[ins].inspections += 1;
        let info = self.inspected[ins].clone();
        let stationing = match kind {
            InspectionKind::Regular => r.range(25, 40),
            _ => r.range(14, 25),
        };
        let stationed_to = add_days(feedback, -r.range(30, 60));
        let stationed_from = add_days(stationed_to, -stationing);
        let dates = InspectionDates {
            stationed_from: Some(stationed_from),
            stationed_to: Some(stationed_to),
            feedback_on: Some(feedback),
            plan_due: Some(add_months(feedback, 2)),
            report_due: Some(add_months(feedback, 6)),
        };
        let small = info.cat.small();
        let n_aspects = match (budget, small, kind) {
            (Some(_), _, _) => 4,
            (_, true, _) => r.range(3, 4) as usize,
            (_, _, InspectionKind::FollowUp | InspectionKind::Special) => r.range(3, 4) as usize,
            _ => r.range(3, 6) as usize,
        };
        // Always the Party's leadership and strict self-governance; then others in order.
        let mut cats: Vec<usize> = vec![0, 1];
        let mut rest: Vec<usize> = (2..CATEGORIES.len()).collect();
        r.shuffle(&mut rest);
        rest.truncate(n_aspects.saturating_sub(2));
        if kind == InspectionKind::FollowUp && !rest.contains(&4) {
            if let Some(last) = rest.last_mut() {
                *last = 4;
            } else {
                rest.push(4);
            }
        }
        rest.sort_unstable();
        cats.extend(rest);
        let mut aspects = Vec::new();
        let mut total = 0usize;
        for (ai, c) in cats.iter().enumerate() {
            let cat = &CATEGORIES[*c];
            let marker = format!("{}、", crate::text::chinese_numeral(ai + 1));
            let n_problems = match (budget, small) {
                (Some(b), _) => {
                    // Spread the budget: about three measures per problem.
                    let left_aspects = cats.len() - ai;
                    (b.saturating_sub(total) / 3).div_ceil(left_aspects).max(1)
                }
                (None, true) => r.range(2, 5) as usize,
                (None, false) => r.range(4, 10) as usize,
            };
            let mut topics: Vec<usize> = (0..cat.topics.len()).collect();
            r.shuffle(&mut topics);
            let mut problems = Vec::new();
            for k in 0..n_problems {
                if k > 0 && budget.is_some_and(|b| total >= b) {
                    break;
                }
                let (phrase, subject) = cat.topics[topics[k % topics.len()]];
                let repeat = k >= topics.len();
                let title = if repeat {
                    format!(
                        "针对{subject}工作中{}的问题",
                        r.pick(&[
                            "制度执行不严格",
                            "监督管理不到位",
                            "基础工作薄弱",
                            "风险防控不力"
                        ])
                    )
                } else {
                    format!("针对{phrase}的问题")
                };
                let detail = problem_detail(&mut r, subject, feedback.year());
                let severity = match r.weighted(&[75, 20, 5]) {
                    0 => Severity::GENERAL,
                    1 => Severity::MAJOR,
                    _ => Severity::SERIOUS,
                };
                let n_measures = match budget {
                    Some(b) => (r.weighted(&[10, 25, 30, 20, 15]) + 1)
                        .min(b.saturating_sub(total))
                        .max(1),
                    None if small => r.weighted(&[25, 40, 25, 10]) + 1,
                    None => r.weighted(&[8, 22, 30, 22, 18]) + 1,
                };
                let measures = (0..n_measures)
                    .map(|s| self.measure(&mut r, &info, subject, feedback, s as u32 + 1))
                    .collect::<Vec<_>>();
                total += measures.len();
                problems.push(ProblemDraft {
                    title,
                    detail,
                    severity,
                    measures,
                });
            }
            aspects.push((marker, cat.title.to_string(), problems));
        }
        Draft {
            kind,
            team,
            inspected: ins,
            dates,
            aspects,
        }
    }

    fn measure(
        &self,
        r: &mut Rng,
        info: &Inspected,
        subject: &str,
        feedback: NaiveDate,
        seq: u32,
    ) -> DemoMeasure {
        let kind = match r.weighted(&[25, 55, 20]) {
            0 => MeasureKind::Immediate,
            1 => MeasureKind::TimeBound,
            _ => MeasureKind::Ongoing,
        };
        let deadline = match kind {
            MeasureKind::Immediate => add_days(feedback, r.range(10, 45)),
            MeasureKind::TimeBound => {
                let d = add_months(feedback, r.range(1, 6) as u32);
                if r.chance(0.6) { month_end(d) } else { d }
            }
            MeasureKind::Ongoing => {
                let d = add_months(feedback, r.range(6, 12) as u32);
                if r.chance(0.3) {
                    NaiveDate::from_ymd_opt(d.year(), 12, 31).unwrap_or(d)
                } else {
                    month_end(d)
                }
            }
        };
        let text = measure_text(r, kind, subject, feedback.year());
        let (unit_idx, unit) =
            if info.units.is_empty() || r.chance(if info.cat.small() { 0.4 } else { 0.1 }) {
                (None, None)
            } else {
                let i = r.below(info.units.len());
                (Some(i), Some(info.units[i]))
            };
        let (lead_unit, co_units) = match unit_idx {
            Some(i) if info.units.len() > 2 && r.chance(0.12) => {
                let n = r.range(1, 2) as usize;
                let mut co = Vec::new();
                for k in 1..=n {
                    let c = info.units[(i + k) % info.units.len()];
                    if c != info.units[i] && !co.contains(&c) {
                        co.push(c);
                    }
                }
                (unit, co)
            }
            _ => (None, Vec::new()),
        };
        let leader = if info.deputies.is_empty() || r.chance(0.15) {
            info.principal
        } else {
            *r.pick(&info.deputies)
        };
        let owner = match unit_idx {
            Some(i) => info.unit_heads[i],
            None => leader,
        };
        let (state, percent, updated_on, closed_on) = self.state(r, kind, feedback, deadline);
        DemoMeasure {
            problem: 0,
            inspection: 0,
            seq,
            text,
            kind,
            state,
            responsible_unit: unit,
            lead_unit,
            co_units,
            leader: Some(leader),
            owner: Some(owner),
            liaison: Some(info.liaison),
            deadline,
            percent,
            updated_on,
            closed_on,
        }
    }

    /// Where a measure stands on `as_of`: it progresses at its own pace from the feedback date
    /// towards its deadline; a few are stuck, a few were returned, a handful relapsed.
    fn state(
        &self,
        r: &mut Rng,
        kind: MeasureKind,
        feedback: NaiveDate,
        deadline: NaiveDate,
    ) -> (MeasureState, u8, NaiveDate, Option<NaiveDate>) {
        use MeasureState as S;
        let as_of = self.as_of;
        let age = days_between(feedback, as_of).max(0);
        let span = days_between(feedback, deadline).max(1);
        let recent = |r: &mut Rng| add_days(as_of, -r.range(0, 30.min(age)));
        if age < 30 {
            let d = add_days(feedback, r.range(0, age));
            return if r.chance(0.7) {
                (S::Draft, 0, d, None)
            } else {
                (S::Assigned, 0, d, None)
            };
        }
        if r.chance(if age < 90 { 0.06 } else { 0.005 }) {
            return (S::Draft, 0, add_days(feedback, r.range(0, 20)), None);
        }
        let stuck = match age {
            0..=199 => 0.07,
            200..=399 => 0.07,
            400..=729 => 0.06,
            _ => 0.05,
        };
        if r.chance(stuck) {
            let percent = (r.range(2, 14) * 5) as u8;
            return match r.weighted(&[60, 15, 25]) {
                0 => (S::InProgress, percent, recent(r), None),
                1 => (S::Assigned, 0, add_days(feedback, r.range(5, 30)), None),
                _ => (S::Returned, percent.max(50), recent(r), None),
            };
        }
        let pace = 0.6 + 0.9 * r.unit();
        let progress = age as f64 / span as f64 * pace;
        if progress < 0.12 {
            return (
                S::Assigned,
                0,
                add_days(feedback, r.range(5, 30.min(age))),
                None,
            );
        }
        if progress < 0.8 {
            let percent = ((progress / 0.8 * 85.0 / 5.0).round() as i64 * 5).clamp(10, 90) as u8;
            return (S::InProgress, percent, recent(r), None);
        }
        if progress < 1.0 {
            return if r.chance(0.15) {
                (S::Returned, (r.range(12, 18) * 5) as u8, recent(r), None)
            } else {
                (S::Submitted, 100, recent(r), None)
            };
        }
        // Done: the day the work finished, closed after a short review.
        let done = add_days(feedback, (span as f64 / pace).round() as i64);
        let closed = add_days(done, r.range(3, 20))
            .min(as_of)
            .max(add_days(feedback, 1));
        if r.chance(0.004) {
            return (S::Reopened, (r.range(6, 16) * 5) as u8, recent(r), None);
        }
        let state = if kind == MeasureKind::Ongoing && r.chance(0.8) {
            S::ClosedOngoing
        } else {
            S::Closed
        };
        (state, 100, closed, Some(closed))
    }

    /// Progress reports for the measures of one problem: about half of the measures that have
    /// moved get one or two; some reports answer the next measure too ("report once").
    fn reports_for(&mut self, range: std::ops::Range<usize>, inspected: usize) {
        let mut r = Rng::derive(self.seed, 2, range.start as u64);
        let author = Some(self.inspected[inspected].liaison);
        let reportable: Vec<usize> = range
            .filter(|i| {
                !matches!(
                    self.out.measures[*i].state,
                    MeasureState::Draft | MeasureState::Assigned
                )
            })
            .collect();
        let mut k = 0;
        while k < reportable.len() {
            let i = reportable[k];
            let joint = k + 1 < reportable.len() && r.chance(0.2);
            let mut ids = vec![i];
            if joint {
                ids.push(reportable[k + 1]);
            }
            k += ids.len();
            if !r.chance(0.5) {
                continue;
            }
            let m = &self.out.measures[i];
            let feedback = self
                .out
                .inspections
                .get(m.inspection)
                .map(DemoInspection::feedback_on)
                .unwrap_or(self.as_of);
            let end = m
                .closed_on
                .unwrap_or(m.updated_on)
                .max(add_days(feedback, 8));
            let start = add_days(feedback, 7);
            let n = if r.chance(0.35) { 2 } else { 1 };
            let final_percent = m.percent;
            let subject_year = feedback.year();
            for j in 0..n {
                let last = j + 1 == n;
                let percent = if last {
                    final_percent
                } else {
                    (final_percent / 2 / 5 * 5).max(10)
                };
                let reported_on = if last {
                    end
                } else {
                    add_days(start, r.range(0, days_between(start, end).max(0) / 2))
                };
                let text = report_text(&mut r, percent, subject_year);
                self.out.reports.push(DemoReport {
                    measures: ids.clone(),
                    reported_on,
                    text,
                    percent,
                    author,
                });
            }
        }
    }
}

fn head_title(name: &str, cat: Category2) -> Option<&'static str> {
    if cat != Category2::Department {
        return None;
    }
    if name.ends_with('厅') {
        Some("厅长")
    } else if name.ends_with('局') {
        Some("局长")
    } else if name.ends_with("委员会")
        || name.ends_with("中心")
        || name.ends_with("办公室")
        || name.ends_with("办公厅")
    {
        Some("主任")
    } else if name.ends_with("联合会")
        || name.ends_with("总工会")
        || name.ends_with("协会")
        || name.ends_with("联合社")
        || name.ends_with("红十字会")
    {
        Some("主席")
    } else if name.ends_with("法院") {
        Some("院长")
    } else if name.ends_with("检察院") {
        Some("检察长")
    } else if name.ends_with("党校") {
        Some("常务副校长")
    } else if name.ends_with("部") {
        Some("部长")
    } else {
        None
    }
}

fn unit_head_title(unit: &str, cat: Category2) -> &'static str {
    if cat.small() {
        return match unit {
            "村民委员会" => "村委会副主任",
            "居民委员会" => "居委会副主任",
            "村务监督委员会" => "村务监督委员会主任",
            "股份经济合作社" => "经济合作社社长",
            _ => "负责人",
        };
    }
    if unit.ends_with('科') {
        "科长"
    } else if unit.ends_with('所') {
        "所长"
    } else if unit.ends_with('队') {
        "队长"
    } else if unit.ends_with('处') {
        "处长"
    } else if unit.ends_with('部') {
        if cat == Category2::Enterprise {
            "部门经理"
        } else {
            "主任"
        }
    } else if unit == "团委" {
        "书记"
    } else {
        "主任"
    }
}

fn problem_detail(r: &mut Rng, subject: &str, year: i32) -> String {
    let since = year - r.range(1, 3) as i32;
    let n = r.range(2, 30);
    let m = r.range(10, 80);
    let k = r.range(1, 9).min(m);
    match r.below(4) {
        0 => format!(
            "具体表现：{since}年以来，{subject}方面有{n}个问题未及时整改；抽查相关资料{m}份，发现{k}份不规范。"
        ),
        1 => format!(
            "具体表现：{subject}工作缺乏统筹，制度执行不严格，{since}年以来未按规定开展{subject}情况检查。"
        ),
        2 => format!(
            "具体表现：{subject}责任分解不明确，部分科室（单位）履职不到位，{since}年以来群众反映相关问题{n}件。"
        ),
        _ => format!(
            "具体表现：对{subject}重视不够，研究部署少，{since}年以来仅召开{}次专题会议研究，推进措施不具体。",
            r.range(0, 2)
        ),
    }
}

fn measure_text(r: &mut Rng, kind: MeasureKind, s: &str, year: i32) -> String {
    let since = year - r.range(1, 3) as i32;
    let doc = match r.below(3) {
        0 => format!("{s}管理办法"),
        1 => format!("关于进一步加强{s}工作的实施意见"),
        _ => format!("{s}工作规程"),
    };
    match kind {
        MeasureKind::Immediate => match r.below(4) {
            0 => format!(
                "对{s}中涉及的相关责任人进行谈话提醒或批评教育，情节严重的移交纪检监察机关依规依纪依法处理。"
            ),
            1 => format!(
                "对{since}年以来{s}相关事项进行全面清理，对不符合规定的立即纠正，违规资金全部追回。"
            ),
            2 => format!(
                "一是立即对{s}问题开展自查自纠；二是建立{s}问题台账，实行清单化管理、销号式推进。"
            ),
            _ => {
                format!("召开专题会议研究{s}问题整改，明确责任领导、责任科室和完成时限，立行立改。")
            }
        },
        MeasureKind::TimeBound => match r.below(5) {
            0 => format!(
                "建立健全{s}制度，制定（修订）《{doc}》，进一步明确职责分工、工作流程和监督措施，从源头上堵塞漏洞。"
            ),
            1 => format!(
                "开展{s}专项整治，对{since}年以来相关情况进行全面排查，建立问题清单、责任清单、整改清单，逐项整改销号。"
            ),
            2 => format!(
                "组织全体党员干部开展专题学习{}次，深入学习{}，切实提高对{s}工作的思想认识。",
                r.range(2, 6),
                r.pick(STUDY)
            ),
            3 => format!(
                "举办{s}业务培训班{}期，提升干部职工业务能力和规范意识。",
                r.range(1, 3)
            ),
            _ => format!(
                "一是修订完善《{doc}》；二是对{s}相关流程进行梳理再造，明确岗位职责和风险点；三是组织一次执行情况检查。"
            ),
        },
        MeasureKind::Ongoing => match r.below(3) {
            0 => format!(
                "将{s}纳入年度工作考核，每季度开展一次督促检查，定期通报整改进展，推动整改常态化、长效化。"
            ),
            1 => format!(
                "加强{s}日常监督，结合{}开展“回头看”，巩固整改成果，坚决防止问题反弹。",
                r.pick(CHECKS)
            ),
            _ => format!(
                "坚持把{s}作为长期任务，每半年专题研究一次，持续跟踪问效，建立健全长效机制。"
            ),
        },
    }
}

fn report_text(r: &mut Rng, percent: u8, _year: i32) -> String {
    if percent >= 100 {
        return match r.below(3) {
            0 => "整改已完成：相关制度已印发实施，问题已逐项整改到位，佐证材料已上传。".to_string(),
            1 => format!(
                "已完成整改：召开专题会议{}次，完成自查自纠，对相关责任人进行了谈话提醒，佐证材料已上传。",
                r.range(1, 4)
            ),
            _ => format!(
                "整改任务已全部完成，建立长效机制{}项，申请审核销号。",
                r.range(1, 3)
            ),
        };
    }
    match r.below(3) {
        0 => format!(
            "已召开专题会议{}次，对问题进行全面梳理，建立问题清单{}项，已整改{}项，其余正在推进，整体进度约{percent}%。",
            r.range(1, 3),
            r.range(4, 12),
            r.range(1, 4)
        ),
        1 => format!(
            "已起草制度初稿，正在征求意见，计划近期提交党组（党委）会议审议，整体进度约{percent}%。"
        ),
        _ => format!(
            "已开展专项检查{}次，排查问题{}个，已整改到位{}个，剩余问题正在整改，整体进度约{percent}%。",
            r.range(1, 3),
            r.range(5, 20),
            r.range(1, 5)
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    /// The plausibility rules every generated ledger must satisfy.
    fn check(l: &DemoLedger) {
        let orgs = &l.organisations;
        assert!(orgs[0].parent.is_none(), "the root comes first");
        for (i, o) in orgs.iter().enumerate() {
            if let Some(p) = o.parent {
                assert!(p < i, "parents precede children");
            } else {
                assert_eq!(i, 0, "one root");
            }
            if let Some(p) = o.principal_leader {
                assert_eq!(
                    l.people[p].organisation, i,
                    "a principal leader belongs to the organisation"
                );
            }
            assert!(!o.name.trim().is_empty());
        }
        let mut per_problem = vec![0usize; l.problems.len()];
        let mut per_aspect = vec![0usize; l.aspects.len()];
        let mut aspects_per_inspection = vec![0usize; l.inspections.len()];
        for a in &l.aspects {
            aspects_per_inspection[a.inspection] += 1;
        }
        for n in &aspects_per_inspection {
            assert!((3..=6).contains(n), "3–6 aspects per inspection, got {n}");
        }
        for p in &l.problems {
            per_aspect[p.aspect] += 1;
            assert_eq!(l.aspects[p.aspect].inspection, p.inspection);
            assert!(
                p.title.starts_with("针对") && p.title.ends_with("的问题"),
                "{}",
                p.title
            );
        }
        assert!(
            per_aspect.iter().all(|n| *n > 0),
            "every aspect has a problem"
        );
        for i in &l.inspections {
            assert!(i.dates.check().is_ok());
            let f = i.feedback_on();
            assert!(f <= l.as_of, "feedback before as-of");
            assert_eq!(i.dates.plan_due, f.checked_add_months(Months::new(2)));
            assert!(l.organisations[i.inspected_org].kind != "unit");
            assert_eq!(
                l.organisations[l.rounds[i.round].organisation].kind,
                "committee"
            );
        }
        for m in &l.measures {
            per_problem[m.problem] += 1;
            let insp = &l.inspections[m.inspection];
            assert_eq!(l.problems[m.problem].inspection, m.inspection);
            assert!(
                m.deadline >= insp.feedback_on(),
                "deadline {} before feedback {}",
                m.deadline,
                insp.feedback_on()
            );
            assert!(crate::ledger::check_deadline(m.deadline, insp.dates.feedback_on).is_ok());
            assert!(m.percent <= 100);
            match m.state {
                MeasureState::Closed | MeasureState::ClosedOngoing => {
                    assert_eq!(m.percent, 100);
                    assert!(
                        m.closed_on
                            .is_some_and(|c| c >= insp.feedback_on() && c <= l.as_of)
                    );
                }
                MeasureState::Draft | MeasureState::Assigned => assert_eq!(m.percent, 0),
                MeasureState::Submitted => assert_eq!(m.percent, 100),
                _ => assert!(
                    (5..100).contains(&m.percent),
                    "{:?} at {}",
                    m.state,
                    m.percent
                ),
            }
            if m.state == MeasureState::ClosedOngoing {
                assert_eq!(m.kind, MeasureKind::Ongoing);
            }
            assert!(m.closed_on.is_some() == m.state.is_closed());
            assert!(m.updated_on <= l.as_of && m.updated_on >= insp.feedback_on());
            // Units belong to the inspected organisation.
            if let Some(u) = m.responsible_unit {
                assert_eq!(l.organisations[u].parent, Some(insp.inspected_org));
            }
            for p in [m.owner, m.leader, m.liaison].into_iter().flatten() {
                let org = l.people[p].organisation;
                assert!(
                    org == insp.inspected_org
                        || l.organisations[org].parent == Some(insp.inspected_org)
                );
            }
            assert!(!m.text.is_empty() && m.text.chars().count() <= crate::text::TEXT_MAX);
        }
        assert!(
            per_problem.iter().all(|n| (1..=5).contains(n)),
            "every problem has 1–5 measures"
        );
        for r in &l.reports {
            assert!(!r.measures.is_empty());
            let m = &l.measures[r.measures[0]];
            assert!(
                r.reported_on <= l.as_of
                    && r.reported_on >= l.inspections[m.inspection].feedback_on()
            );
            assert!(
                r.measures
                    .iter()
                    .all(|i| l.measures[*i].problem == m.problem),
                "a report answers measures of one problem"
            );
            assert!(
                r.measures
                    .iter()
                    .all(|i| l.measures[*i].state.accepts_reports()
                        || matches!(l.measures[*i].state, MeasureState::Submitted)
                        || l.measures[*i].state.is_closed())
            );
        }
    }

    #[test]
    fn scale_names_parse() {
        for s in Scale::ALL {
            assert_eq!(s.as_str().parse::<Scale>(), Ok(s));
        }
        assert_eq!(" City ".parse::<Scale>(), Ok(Scale::City));
        assert!("county".parse::<Scale>().is_err());
    }

    #[test]
    fn same_seed_same_ledger_and_different_seed_differs() {
        let a = generate(Scale::Small, 7);
        let b = generate(Scale::Small, 7);
        assert_eq!(a, b);
        assert_eq!(a.fingerprint(), b.fingerprint());
        let c = generate(Scale::Small, 8);
        assert_ne!(a.fingerprint(), c.fingerprint());
        let d = generate_as_of(Scale::Small, 7, default_as_of() + Days::new(30));
        assert_ne!(
            a.fingerprint(),
            d.fingerprint(),
            "the as-of date moves the states"
        );
    }

    #[test]
    fn the_random_stream_is_pinned() {
        // SplitMix64 from a fixed seed: the output must never change with dependency versions.
        let mut r = Rng(0);
        assert_eq!(r.next(), 0xe220_a839_7b1d_cdaf);
        assert_eq!(r.next(), 0x6e78_9e6a_a1b9_65f4);
    }

    #[test]
    fn the_small_ledger_is_pinned() {
        // Demo and benchmark data must not drift between builds. If a deliberate change to the
        // word lists or the rules moves this, update the constant (and say so in the commit).
        let l = generate(Scale::Small, 1);
        assert_eq!(format!("{:016x}", l.fingerprint()), "1e35ffeace15f3e6");
    }

    #[test]
    fn small_ledger_is_plausible() {
        for seed in 0..20 {
            let l = generate(Scale::Small, seed);
            check(&l);
            assert_eq!(l.inspections.len(), 1);
            assert_eq!(l.rounds.len(), 1);
            assert!(
                (45..=60).contains(&l.measures.len()),
                "seed {seed}: {} measures",
                l.measures.len()
            );
            assert!(!l.reports.is_empty());
            let i = &l.inspections[0];
            assert_eq!(l.rounds[0].name, "十四届市委第七轮巡察");
            assert!(i.team.starts_with("市委第") && i.team.ends_with("巡察组"));
            assert!(i.title.contains("江州市教育局党组"), "{}", i.title);
            assert!(l.organisations[0].name == "中共江州市委");
            for p in &l.people {
                let n = p.name.chars().count();
                assert!((2..=3).contains(&n), "{}", p.name);
            }
        }
    }

    #[test]
    fn small_ledger_states_look_a_few_months_into_rectification() {
        let mut counts: HashMap<MeasureState, usize> = HashMap::new();
        let (mut total, mut overdue) = (0, 0);
        for seed in 0..40 {
            let l = generate(Scale::Small, seed);
            for (s, n) in l.state_counts() {
                *counts.entry(s).or_default() += n;
            }
            total += l.measures.len();
            overdue += l.overdue_count();
        }
        let share = |s: MeasureState| counts.get(&s).copied().unwrap_or(0) as f64 / total as f64;
        assert!(share(MeasureState::Draft) > 0.0 && share(MeasureState::Draft) < 0.08);
        assert!(
            share(MeasureState::InProgress) > 0.15,
            "in progress {}",
            share(MeasureState::InProgress)
        );
        assert!(share(MeasureState::Submitted) > 0.03);
        assert!(share(MeasureState::Closed) + share(MeasureState::ClosedOngoing) > 0.15);
        assert!(share(MeasureState::Returned) > 0.0 && share(MeasureState::Returned) < 0.12);
        let o = overdue as f64 / total as f64;
        assert!((0.04..=0.12).contains(&o), "overdue share {o}");
    }

    #[test]
    fn kinds_are_mixed() {
        let l = generate(Scale::Small, 3);
        for k in MeasureKind::ALL {
            assert!(l.measures.iter().any(|m| m.kind == k), "{k:?}");
        }
        assert!(
            l.measures
                .iter()
                .any(|m| !m.co_units.is_empty() || m.lead_unit.is_some())
                || l.measures.len() < 60
        );
    }

    #[test]
    fn city_ledger_has_the_expected_size() {
        let l = generate(Scale::City, 1);
        let n = l.measures.len();
        assert!(
            (CITY_TARGET..CITY_TARGET + 2_000).contains(&n),
            "{n} measures"
        );
        let inspected: HashSet<usize> = l.inspections.iter().map(|i| i.inspected_org).collect();
        assert!(
            (280..=320).contains(&inspected.len()),
            "{} inspected organisations",
            inspected.len()
        );
        check(&l);
        let o = l.overdue_count() as f64 / n as f64;
        assert!((0.03..=0.12).contains(&o), "overdue share {o}");
        eprintln!(
            "city: {} organisations, {} people, {} rounds, {} inspections, {} problems, {} measures, {} reports, overdue {:.1}%",
            l.organisations.len(),
            l.people.len(),
            l.rounds.len(),
            l.inspections.len(),
            l.problems.len(),
            n,
            l.reports.len(),
            o * 100.0
        );
    }

    #[test]
    #[ignore = "slow in debug builds: cargo test --release -p rectify-core -- --ignored province"]
    fn province_ledger_has_the_expected_size() {
        let l = generate(Scale::Province, 1);
        let n = l.measures.len();
        assert!((1_300_000..1_400_000).contains(&n), "{n} measures");
        eprintln!(
            "province: {} organisations, {} inspections, {n} measures, {} reports",
            l.organisations.len(),
            l.inspections.len(),
            l.reports.len()
        );
    }

    #[test]
    fn chinese_numerals() {
        assert_eq!(crate::text::chinese_numeral(1), "一");
        assert_eq!(crate::text::chinese_numeral(10), "十");
        assert_eq!(crate::text::chinese_numeral(14), "十四");
        assert_eq!(crate::text::chinese_numeral(20), "二十");
        assert_eq!(crate::text::chinese_numeral(23), "二十三");
    }

    #[test]
    fn names_are_localised() {
        assert_eq!(localise("市教育局", '市', "江州"), "江州市教育局");
        assert_eq!(localise("共青团市委", '市', "江州"), "共青团江州市委");
        assert_eq!(localise("江南大学", '省', "江南"), "江南大学");
    }
}
