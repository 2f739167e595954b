//! How a ledger names a unit (责任单位) so that the name reads back as that unit: its own name,
//! prefixed by as many ancestors' names as it takes to tell it apart ("江州市教育局办公室").

use std::collections::HashMap;

/// One organisation as the naming needs it: id, parent, name.
#[derive(Debug, Clone, Copy)]
pub struct Unit<'a> {
    pub id: i64,
    pub parent: Option<i64>,
    pub name: &'a str,
}

/// Every name a unit goes by in a ledger, shortest first: its own name, then its parent's name
/// followed by it, and so on up to the root ("办公室", "江州市教育局办公室", …). A parent
/// that is missing from `units` ends the chain.
pub fn aliases(units: &[Unit<'_>]) -> HashMap<i64, Vec<String>> {
    let by_id: HashMap<i64, &Unit> = units.iter().map(|u| (u.id, u)).collect();
    units
        .iter()
        .map(|u| {
            let mut names = vec![u.name.to_string()];
            let mut seen = vec![u.id];
            let mut at = u.parent.and_then(|p| by_id.get(&p));
            while let Some(p) = at {
                if seen.contains(&p.id) {
                    break; // a cycle would be a corrupt tree; stop rather than loop
                }
                seen.push(p.id);
                let longer = format!("{}{}", p.name, names.last().map_or("", String::as_str));
                names.push(longer);
                at = p.parent.and_then(|q| by_id.get(&q));
            }
            (u.id, names)
        })
        .collect()
}

/// The name each unit is written under: the shortest of its [`aliases`] that no other unit
/// goes by, or its own name when every alias is shared (two siblings of one name).
pub fn labels(aliases: &HashMap<i64, Vec<String>>) -> HashMap<i64, String> {
    let mut owners: HashMap<&str, usize> = HashMap::new();
    for names in aliases.values() {
        for n in names {
            *owners.entry(n.as_str()).or_default() += 1;
        }
    }
    aliases
        .iter()
        .map(|(id, names)| {
            let label = names
                .iter()
                .find(|n| owners.get(n.as_str()) == Some(&1))
                .unwrap_or(&names[0]);
            (*id, label.clone())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn city() -> Vec<Unit<'static>> {
        let u = |id, parent, name| Unit { id, parent, name };
        vec![
            u(1, None, "江州市"),
            u(2, Some(1), "江州市教育局"),
            u(3, Some(2), "办公室"),
            u(4, Some(1), "江州市财政局"),
            u(5, Some(4), "办公室"),
            u(6, Some(4), "预算科"),
            u(7, Some(1), "东湖镇"),
            u(8, Some(7), "东门社区"),
            u(9, Some(8), "党群服务中心"),
            u(10, Some(1), "西山镇"),
            u(11, Some(10), "东门社区"),
            u(12, Some(11), "党群服务中心"),
            u(13, Some(4), "预算科"),
        ]
    }

    #[test]
    fn labels_take_as_many_ancestors_as_it_takes() {
        let l = labels(&aliases(&city()));
        assert_eq!(l[&2], "江州市教育局");
        assert_eq!(l[&3], "江州市教育局办公室");
        assert_eq!(l[&5], "江州市财政局办公室");
        // The village's name repeats in two towns: the town tells them apart.
        assert_eq!(l[&8], "东湖镇东门社区");
        assert_eq!(l[&9], "东湖镇东门社区党群服务中心");
        assert_eq!(l[&12], "西山镇东门社区党群服务中心");
        // Two siblings of one name cannot be told apart: the plain name.
        assert_eq!(l[&6], "预算科");
        assert_eq!(l[&13], "预算科");
    }

    #[test]
    fn every_label_is_one_of_the_unit_aliases_and_unique_when_possible() {
        let units = city();
        let a = aliases(&units);
        let l = labels(&a);
        for u in &units {
            assert!(a[&u.id].contains(&l[&u.id]), "{}", u.id);
            let holders = a.values().filter(|names| names.contains(&l[&u.id])).count();
            if ![6, 13].contains(&u.id) {
                assert_eq!(holders, 1, "{} is ambiguous", l[&u.id]);
            }
        }
        assert_eq!(
            a[&3],
            vec!["办公室", "江州市教育局办公室", "江州市江州市教育局办公室"]
        );
    }

    #[test]
    fn a_cycle_or_missing_parent_ends_the_chain() {
        let units = [
            Unit {
                id: 1,
                parent: Some(2),
                name: "甲",
            },
            Unit {
                id: 2,
                parent: Some(1),
                name: "乙",
            },
            Unit {
                id: 3,
                parent: Some(99),
                name: "丙",
            },
        ];
        let a = aliases(&units);
        assert_eq!(a[&1], vec!["甲", "乙甲"]);
        assert_eq!(a[&3], vec!["丙"]);
    }
}
