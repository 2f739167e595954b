//! Tests of the password policy, hashing and one-time passwords.

use super::*;
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn never_panics_on_any_input(login in any::<String>(), candidate in any::<String>(), phc in any::<String>()) {
        let _ = check(&PasswordPolicy::default(), &login, &candidate, std::slice::from_ref(&phc));
        prop_assert!(!verify(&candidate, &phc) || phc.starts_with("$argon2id$"));
        let _ = class_count(&candidate);
    }

    #[test]
    fn verify_rejects_any_mangled_phc(pos in 0usize..200, byte in any::<u8>()) {
        let good = hash_with("Gx7#kq2m", &HashParams::INSECURE_FAST_FOR_TESTS).unwrap();
        let mut bytes = good.clone().into_bytes();
        let i = pos % bytes.len();
        prop_assume!(bytes[i] != byte);
        bytes[i] = byte;
        let mangled = String::from_utf8_lossy(&bytes).into_owned();
        // A change in the algorithm, parameters, salt or output makes it fail; nothing panics.
        prop_assert!(!verify("Gx7#kq2m", &mangled), "{}", mangled);
    }
}

const DUMMY_PASSWORD: &str = "rectify-dummy-password";
const DUMMY_SALT: &[u8] = b"rectify-dummy-salt";
const FAST: HashParams = HashParams::INSECURE_FAST_FOR_TESTS;

fn fast_hash(p: &str) -> String {
    hash_with(p, &FAST).unwrap()
}

fn check_default(login: &str, candidate: &str) -> Result<(), PolicyViolation> {
    check(&PasswordPolicy::default(), login, candidate, &[])
}

#[test]
fn default_policy_is_the_dengbao_profile() {
    let p = PasswordPolicy::default();
    assert_eq!(
        (
            p.min_length,
            p.max_length,
            p.min_classes,
            p.history,
            p.max_age_days
        ),
        (8, 128, 3, 5, 90)
    );
    // Missing fields in stored configuration fall back to the defaults.
    let q: PasswordPolicy = serde_json::from_str(r#"{"min_length": 12}"#).unwrap();
    assert_eq!(q.min_length, 12);
    assert_eq!(q.history, 5);
}

#[test]
fn policy_table() {
    use PolicyViolation::*;
    let long64 = format!("Xk7#{}", "qZ8!".repeat(15));
    assert_eq!(long64.chars().count(), 64);
    let len128 = format!("Xk7#{}", "a".repeat(124));
    let len129 = format!("Xk7#{}", "a".repeat(125));
    let table: Vec<(&str, &str, Result<(), PolicyViolation>)> = vec![
        ("zhang", "Gx7#kq2", Err(TooShort { min: 8 })),
        ("zhang", "Gx7#kq2m", Ok(())),
        ("zhang", "整改通Gx7#kq", Ok(())),
        ("zhang", "短密码短密码Ab1", Ok(())),
        ("zhang", "短密码短密Ab", Err(TooShort { min: 8 })),
        ("zhang", &long64, Ok(())),
        ("zhang", &len128, Ok(())),
        ("zhang", &len129, Err(TooLong { max: 128 })),
        (
            "zhang",
            "gx7kq2mvtr",
            Err(TooFewClasses {
                required: 3,
                found: 2,
            }),
        ),
        (
            "zhang",
            "gxzkqwmvtr",
            Err(TooFewClasses {
                required: 3,
                found: 1,
            }),
        ),
        (
            "zhang",
            "GXZK#WMV!R",
            Err(TooFewClasses {
                required: 3,
                found: 2,
            }),
        ),
        (
            "zhang",
            "gxzk wmv tr",
            Err(TooFewClasses {
                required: 3,
                found: 2,
            }),
        ),
        ("zhang", "gx7k wmv tr", Ok(())),
        ("zhang", "Gx7kq2mvtr", Ok(())),
        ("zhang", "gx7#q2mvtr", Ok(())),
        ("zhang", "Zhang#2026x", Err(ContainsLogin)),
        ("Zhang", "xxZHANG7#a", Err(ContainsLogin)),
        ("  zhang ", "abZhAnG7#", Err(ContainsLogin)),
        ("li", "Li#2026xyz", Ok(())),
        ("", "Gx7#kq2m", Ok(())),
        ("zhang", "Woaini1314", Err(Common)),
        ("zhang", "wOAINI1314", Err(Common)),
        ("zhang", "Aa123456", Err(Common)),
        ("zhang", "P@ssw0rd", Err(Common)),
        ("zhang", "Admin@123", Err(Common)),
        ("zhang", "Qwer1234", Err(Common)),
        ("zhang", "1qaz@WSX", Err(Common)),
        ("zhang", "Password123", Err(Common)),
        ("zhang", "Huawei@2026", Err(Common)),
        ("zhang", "Beijing@520", Err(Common)),
    ];
    for (login, candidate, expect) in table {
        assert_eq!(
            check_default(login, candidate),
            expect,
            "login {login:?} candidate {candidate:?}"
        );
    }
}

#[test]
fn too_long_is_refused_not_truncated() {
    // A 129-character password whose first 128 characters are acceptable is still refused.
    let ok = format!("Xk7#{}", "b".repeat(124));
    let long = format!("{ok}c");
    assert_eq!(check_default("u", &ok), Ok(()));
    assert_eq!(
        check_default("u", &long),
        Err(PolicyViolation::TooLong { max: 128 })
    );
    // And a hash of the long password does not verify the 128-character prefix.
    let h = fast_hash(&long);
    assert!(verify(&long, &h));
    assert!(!verify(&ok, &h));
}

#[test]
fn violation_codes_are_stable() {
    use PolicyViolation::*;
    let codes: Vec<&str> = [
        TooShort { min: 8 },
        TooLong { max: 128 },
        TooFewClasses {
            required: 3,
            found: 1,
        },
        ContainsLogin,
        Common,
        Reused { history: 5 },
    ]
    .iter()
    .map(PolicyViolation::code)
    .collect();
    assert_eq!(
        codes,
        [
            "password_too_short",
            "password_too_long",
            "password_too_few_classes",
            "password_contains_login",
            "password_common",
            "password_reused"
        ]
    );
    assert_eq!(
        TooShort { min: 8 }.to_string(),
        "password shorter than 8 characters"
    );
}

#[test]
fn each_of_the_last_five_is_refused_and_the_sixth_is_allowed() {
    let policy = PasswordPolicy::default();
    let old: Vec<String> = (0..6).map(|i| format!("Rect#{i}fy-Ok")).collect();
    // Newest first.
    let hashes: Vec<String> = old.iter().map(|p| fast_hash(p)).collect();
    for p in &old[..5] {
        assert_eq!(
            check(&policy, "zhang", p, &hashes),
            Err(PolicyViolation::Reused { history: 5 }),
            "{p}"
        );
    }
    assert_eq!(check(&policy, "zhang", &old[5], &hashes), Ok(()));
    assert_eq!(check(&policy, "zhang", "Brand#New9pw", &hashes), Ok(()));
    // History 0 turns the check off; garbage in the history is ignored.
    let none = PasswordPolicy {
        history: 0,
        ..PasswordPolicy::default()
    };
    assert_eq!(check(&none, "zhang", &old[0], &hashes), Ok(()));
    assert_eq!(
        check(&policy, "zhang", &old[0], &["garbage".to_string()]),
        Ok(())
    );
}

#[test]
fn common_list_is_substantial_and_case_insensitive() {
    assert!(common_list_len() > 2000, "{}", common_list_len());
    for p in [
        "123456",
        "PASSWORD",
        "woaini1314",
        "5201314",
        "Admin@2026",
        "p@ssw0rd",
    ] {
        assert!(is_common(p), "{p}");
    }
    assert!(!is_common("Gx7#kq2m-lotus"));
    // Every entry that the list file holds is found, in any case.
    for line in COMMON_LIST
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
    {
        assert!(is_common(&line.to_uppercase()), "{line}");
    }
}

#[test]
fn expiry() {
    let p = PasswordPolicy::default();
    let day = 86_400;
    assert!(!p.is_expired(0, 89 * day));
    assert!(p.is_expired(0, 90 * day));
    assert!(!p.is_expired(i64::MAX, i64::MIN));
    let never = PasswordPolicy {
        max_age_days: 0,
        ..p
    };
    assert!(!never.is_expired(0, 10_000 * day));
}

#[test]
fn hash_verify_round_trip() {
    let h = fast_hash("Gx7#kq2m");
    assert!(h.starts_with("$argon2id$v=19$m=64,t=1,p=1$"));
    assert!(verify("Gx7#kq2m", &h));
    assert!(!verify("Gx7#kq2M", &h));
    assert!(!verify("", &h));
    // Salted: the same password hashes differently.
    assert_ne!(h, fast_hash("Gx7#kq2m"));
    // Unicode passwords.
    let h = fast_hash("整改通密码Ab1");
    assert!(verify("整改通密码Ab1", &h));
}

#[test]
fn default_hash_uses_owasp_parameters() {
    let h = hash("Gx7#kq2m").unwrap();
    assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{h}");
    assert!(verify("Gx7#kq2m", &h));
}

#[test]
fn malformed_or_hostile_hashes_are_false() {
    let good = fast_hash("Gx7#kq2m");
    let hostile_m = good.replace("m=64", "m=4294967295");
    let hostile_t = good.replace("t=1", "t=100000");
    let hostile_p = good.replace("p=1", "p=255");
    let argon2i = good.replace("$argon2id$", "$argon2i$");
    let cases = [
        "",
        "$",
        "not a hash",
        "$argon2id$",
        "$argon2id$v=19$m=64,t=1,p=1$",
        "$argon2id$v=19$m=64,t=1,p=1$c2FsdHNhbHQ$",
        "$argon2id$v=19$m=0,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo",
        "$argon2id$v=99$m=64,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo",
        "$2b$12$abcdefghijklmnopqrstuuKzRkJvK5rVKxQPVc4fkB4Yj6h0eB8Ky",
        "$argon2id$v=19$m=64,t=1,p=1$!!!$???",
        &hostile_m,
        &hostile_t,
        &hostile_p,
        &argon2i,
        &good[..good.len() - 3],
    ];
    for c in cases {
        assert!(!verify("Gx7#kq2m", c), "{c}");
    }
    assert!(!verify(&"a".repeat(MAX_PASSWORD_BYTES + 1), &good));
    assert_eq!(
        hash_with(&"a".repeat(MAX_PASSWORD_BYTES + 1), &FAST),
        Err(HashError::TooLong)
    );
    assert!(matches!(
        hash_with(
            "x",
            &HashParams {
                m_kib: 1,
                t: 0,
                p: 0
            }
        ),
        Err(HashError::Params(_))
    ));
}

#[test]
fn dummy_hash_is_a_real_owasp_hash() {
    assert_eq!(
        hash_with_salt(DUMMY_PASSWORD, &HashParams::OWASP, DUMMY_SALT).unwrap(),
        DUMMY_HASH
    );
    assert!(verify(DUMMY_PASSWORD, DUMMY_HASH));
    dummy_verify("anything");
    let d = DummyHash::new(&FAST).unwrap();
    d.verify("anything");
}

#[test]
fn one_time_passwords_satisfy_the_policy() {
    let mut seen = HashSet::new();
    for len in [0, 8, 12, 16, 20, 200] {
        let p = generate_one_time(len);
        assert_eq!(p.chars().count(), len.clamp(12, 128));
        assert_eq!(check_default("admin", &p), Ok(()), "{p}");
        assert_eq!(class_count(&p), 4, "{p}");
        assert!(!p.contains(['0', 'O', '1', 'l', 'I', '"', '\'', '\\', ' ']));
        assert!(seen.insert(p));
    }
}
