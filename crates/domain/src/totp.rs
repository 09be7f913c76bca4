//! Time-based one-time passwords (RFC 6238: HMAC-SHA-1, 6 digits, 30-second steps), the second
//! factor staff enrol with an authenticator app.

use crate::clock::Timestamp;
use hmac::{Hmac, KeyInit, Mac};
use sha1::Sha1;

pub const STEP_SECONDS: i64 = 30;
const DIGITS: u32 = 6;

/// A shared secret, as the base32 text authenticator apps take.
#[derive(Clone, PartialEq, Eq)]
pub struct TotpSecret(Vec<u8>);

impl std::fmt::Debug for TotpSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("[redacted]")
    }
}

impl TotpSecret {
    pub fn from_bytes(bytes: Vec<u8>) -> Self {
        Self(bytes)
    }
    pub fn from_base32(text: &str) -> Option<Self> {
        let cleaned: String = text
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect::<String>()
            .to_uppercase();
        data_encoding::BASE32_NOPAD
            .decode(cleaned.trim_end_matches('=').as_bytes())
            .ok()
            .map(Self)
    }
    pub fn to_base32(&self) -> String {
        data_encoding::BASE32_NOPAD.encode(&self.0)
    }

    /// The `otpauth://` address a QR code carries.
    pub fn provisioning_uri(&self, issuer: &str, account: &str) -> String {
        let enc = |s: &str| -> String {
            s.bytes()
                .map(|b| match b {
                    b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'@' => {
                        (b as char).to_string()
                    }
                    _ => format!("%{b:02X}"),
                })
                .collect()
        };
        format!(
            "otpauth://totp/{}:{}?secret={}&issuer={}&algorithm=SHA1&digits=6&period=30",
            enc(issuer),
            enc(account),
            self.to_base32(),
            enc(issuer)
        )
    }

    /// The code for one time step.
    pub fn code_at_step(&self, step: i64) -> String {
        let Ok(mut mac) = <Hmac<Sha1> as KeyInit>::new_from_slice(&self.0) else {
            return String::new();
        };
        mac.update(&(step as u64).to_be_bytes());
        let digest = mac.finalize().into_bytes();
        let offset = (digest[digest.len() - 1] & 0x0f) as usize;
        let bin = u32::from_be_bytes([
            digest[offset] & 0x7f,
            digest[offset + 1],
            digest[offset + 2],
            digest[offset + 3],
        ]);
        format!(
            "{:0width$}",
            bin % 10u32.pow(DIGITS),
            width = DIGITS as usize
        )
    }

    /// Checks a typed code against the current step and one step either side (clock drift).
    /// Returns the matching step, which the caller records so that a code is never used twice.
    pub fn verify(&self, code: &str, now: Timestamp, last_used_step: Option<i64>) -> Option<i64> {
        let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
        if code.len() != DIGITS as usize || !code.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let current = now.div_euclid(STEP_SECONDS);
        [current - 1, current, current + 1]
            .into_iter()
            .filter(|step| last_used_step.is_none_or(|used| *step > used))
            .find(|step| constant_time_eq(self.code_at_step(*step).as_bytes(), code.as_bytes()))
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rfc_secret() -> TotpSecret {
        TotpSecret::from_bytes(b"12345678901234567890".to_vec())
    }

    #[test]
    fn matches_rfc_6238_test_vectors() {
        // RFC 6238 appendix B (SHA-1), last six digits of the eight-digit values.
        for (time, code) in [
            (59, "287082"),
            (1111111109, "081804"),
            (1111111111, "050471"),
            (1234567890, "005924"),
            (2000000000, "279037"),
        ] {
            assert_eq!(
                rfc_secret().code_at_step(time / STEP_SECONDS),
                code,
                "at {time}"
            );
        }
    }

    #[test]
    fn accepts_drift_of_one_step_and_refuses_reuse() {
        let s = rfc_secret();
        let now = 1111111111;
        let step = now / STEP_SECONDS;
        let code = s.code_at_step(step - 1);
        assert_eq!(s.verify(&code, now, None), Some(step - 1));
        assert_eq!(s.verify(&code, now, Some(step - 1)), None);
        assert_eq!(s.verify(&s.code_at_step(step - 2), now, None), None);
        assert_eq!(s.verify("12345", now, None), None);
        assert_eq!(s.verify("abcdef", now, None), None);
    }

    #[test]
    fn base32_round_trips() {
        let s = rfc_secret();
        assert_eq!(
            TotpSecret::from_base32(&s.to_base32().to_lowercase()),
            Some(s.clone())
        );
        assert!(
            s.provisioning_uri("Kinlink", "a b@x.example")
                .starts_with("otpauth://totp/Kinlink:a%20b@x.example?secret=")
        );
    }
}
