//! Accounts: what makes an e-mail address, a name and a password acceptable, and the timing
//! rules of sessions and sign-in throttling.

use crate::clock::Timestamp;

/// A normalised e-mail address (trimmed, lower case).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let email = raw.trim().to_lowercase();
        if email.is_empty() {
            return Err(FieldError("Enter an email address"));
        }
        let valid = email.len() <= 254
            && !email.chars().any(char::is_whitespace)
            && match email.split_once('@') {
                Some((local, domain)) => {
                    !local.is_empty()
                        && !domain.contains('@')
                        && domain.contains('.')
                        && !domain.starts_with('.')
                        && !domain.ends_with('.')
                }
                None => false,
            };
        if valid {
            Ok(Self(email))
        } else {
            Err(FieldError(
                "Enter an email address in the correct format, like name@example.org",
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A message for the person filling in a form, about one field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct FieldError(pub &'static str);

pub const PASSWORD_MIN_CHARS: usize = 12;
pub const PASSWORD_MAX_CHARS: usize = 256;

/// Length is what makes a password strong (NCSC guidance); no composition rules.
pub fn check_new_password(password: &str) -> Result<(), FieldError> {
    let n = password.chars().count();
    if n == 0 {
        Err(FieldError("Enter a new password"))
    } else if n < PASSWORD_MIN_CHARS {
        Err(FieldError("Password must be 12 characters or more"))
    } else if n > PASSWORD_MAX_CHARS {
        Err(FieldError("Password must be 256 characters or fewer"))
    } else {
        Ok(())
    }
}

pub fn check_display_name(name: &str) -> Result<String, FieldError> {
    let name = name.trim();
    if name.is_empty() {
        Err(FieldError("Enter the person's full name"))
    } else if name.chars().count() > 100 {
        Err(FieldError("Name must be 100 characters or fewer"))
    } else {
        Ok(name.to_owned())
    }
}

/// How long a session lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionLimits {
    /// Ends after this long without a request (default 30 minutes).
    pub idle_seconds: i64,
    /// Ends this long after sign-in, however busy (default 12 hours).
    pub absolute_seconds: i64,
}

impl Default for SessionLimits {
    fn default() -> Self {
        Self {
            idle_seconds: 30 * 60,
            absolute_seconds: 12 * 60 * 60,
        }
    }
}

impl SessionLimits {
    pub fn is_live(&self, created_at: Timestamp, last_seen_at: Timestamp, now: Timestamp) -> bool {
        now - last_seen_at < self.idle_seconds && now - created_at < self.absolute_seconds
    }
}

/// Failed sign-ins allowed before a pause, per account and per address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Throttle {
    pub window_seconds: i64,
    pub per_account: i64,
    pub per_address: i64,
}

impl Default for Throttle {
    fn default() -> Self {
        Self {
            window_seconds: 15 * 60,
            per_account: 5,
            per_address: 20,
        }
    }
}

impl Throttle {
    /// Whether another attempt may be made, given the failures counted within the window.
    pub fn allows(&self, account_failures: i64, address_failures: i64) -> bool {
        account_failures < self.per_account && address_failures < self.per_address
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_normalised_and_checked() {
        assert_eq!(
            Email::parse("  Social.Worker@Northshire.Example ").map(|e| e.0),
            Ok("social.worker@northshire.example".into())
        );
        for bad in [
            "",
            "no-at-sign",
            "a@b",
            "@example.org",
            "a@@example.org",
            "a b@example.org",
            "a@example.",
            "a@.example",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn passwords_need_length_only() {
        assert!(check_new_password("kinlink-demo-2026").is_ok());
        assert_eq!(
            check_new_password("short"),
            Err(FieldError("Password must be 12 characters or more"))
        );
        assert!(check_new_password(&"x".repeat(257)).is_err());
        assert!(check_new_password("").is_err());
    }

    #[test]
    fn sessions_end_when_idle_or_old() {
        let limits = SessionLimits::default();
        assert!(limits.is_live(0, 0, 29 * 60));
        assert!(!limits.is_live(0, 0, 30 * 60));
        assert!(limits.is_live(0, 12 * 3600 - 60, 12 * 3600 - 1));
        assert!(!limits.is_live(0, 12 * 3600 - 60, 12 * 3600));
    }

    #[test]
    fn throttle_counts_account_and_address() {
        let t = Throttle::default();
        assert!(t.allows(4, 19));
        assert!(!t.allows(5, 0));
        assert!(!t.allows(0, 20));
    }
}
