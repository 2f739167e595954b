//! `Secret<T>`: a wrapper whose `Debug` and `Display` print `[redacted]`, so passwords, OTPs and tokens never reach a log.

use std::fmt;

/// What [`Secret`] prints instead of its content.
pub const REDACTED: &str = "[redacted]";

/// Holds a sensitive value. Reading it takes an explicit [`Secret::expose`], formatting it never
/// shows it, and it does not implement `Serialize`, so it cannot leak through a JSON response or a
/// structured log either. It can be deserialised, for configuration files and request bodies.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Secret<T>(T);

impl<T> Secret<T> {
    /// Wraps a sensitive value.
    pub fn new(value: T) -> Self {
        Self(value)
    }

    /// Borrows the value; call sites are where a secret is deliberately used.
    pub fn expose(&self) -> &T {
        &self.0
    }

    /// Unwraps the value.
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> From<T> for Secret<T> {
    fn from(value: T) -> Self {
        Self(value)
    }
}

impl<T> fmt::Debug for Secret<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

impl<T> fmt::Display for Secret<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

impl<'de, T: serde::Deserialize<'de>> serde::Deserialize<'de> for Secret<T> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        T::deserialize(d).map(Secret)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug)]
    #[allow(dead_code)]
    struct Login {
        user: String,
        password: Secret<String>,
    }

    #[test]
    fn formatting_never_shows_the_value() {
        let s = Secret::new("hunter2-Aa".to_string());
        assert_eq!(format!("{s}"), "[redacted]");
        assert_eq!(format!("{s:?}"), "[redacted]");
        assert_eq!(format!("{s:#?}"), "[redacted]");
        let l = Login {
            user: "zhang".into(),
            password: s.clone(),
        };
        let dbg = format!("{l:?}");
        assert!(dbg.contains("zhang"));
        assert!(!dbg.contains("hunter2"));
        assert_eq!(s.expose(), "hunter2-Aa");
        assert_eq!(s.into_inner(), "hunter2-Aa");
    }

    #[test]
    fn deserialises_from_plain_value() {
        let s: Secret<String> = serde_json::from_str("\"otp-123456\"").unwrap();
        assert_eq!(s.expose(), "otp-123456");
        assert_eq!(format!("{s:?}"), "[redacted]");
    }
}
