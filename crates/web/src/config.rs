//! Settings the web layer needs, resolved by the binary from flags, environment and file.

use kinlink_domain::account::{SessionLimits, Throttle};

#[derive(Debug, Clone)]
pub struct WebConfig {
    pub sessions: SessionLimits,
    pub throttle: Throttle,
    /// Cookies carry `Secure` (and the `__Host-` prefix). Off only for plain HTTP on loopback.
    pub secure_cookies: bool,
    /// Served behind TLS (directly or by a proxy): adds HSTS.
    pub behind_tls: bool,
    /// Largest request body accepted; bigger ones get 413.
    pub max_body_bytes: usize,
    /// Take the client's address from `X-Forwarded-For` (only behind a proxy that sets it).
    pub trust_forwarded_for: bool,
}

impl Default for WebConfig {
    fn default() -> Self {
        Self {
            sessions: SessionLimits::default(),
            throttle: Throttle::default(),
            secure_cookies: true,
            behind_tls: false,
            max_body_bytes: 64 * 1024,
            trust_forwarded_for: false,
        }
    }
}

impl WebConfig {
    pub fn session_cookie(&self) -> &'static str {
        if self.secure_cookies {
            "__Host-kinlink_session"
        } else {
            "kinlink_session"
        }
    }
    pub fn csrf_cookie(&self) -> &'static str {
        if self.secure_cookies {
            "__Host-kinlink_csrf"
        } else {
            "kinlink_csrf"
        }
    }
    pub fn cookie_attributes(&self) -> &'static str {
        if self.secure_cookies {
            "; Path=/; HttpOnly; SameSite=Lax; Secure"
        } else {
            "; Path=/; HttpOnly; SameSite=Lax"
        }
    }
}
