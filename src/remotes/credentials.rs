//! The environment variables a password or a 2-step code may come from (scripts, CI).
//! Never from a command-line argument: other users see those in `ps`. The order of the
//! sources is the connect use case's credential chain (`services::connect`).

use crate::secret::Secret;

/// Environment variable holding the password (scripts, CI).
pub const PASSWORD_ENV: &str = "NASCMD_PASSWORD";
/// Environment variable holding a 2-step verification code (scripts, tests).
pub const OTP_ENV: &str = "NASCMD_OTP";

/// The password from the environment, if set and not empty.
pub fn password_from_env() -> Option<Secret> {
    std::env::var(PASSWORD_ENV)
        .ok()
        .filter(|p| !p.is_empty())
        .map(Secret::new)
}

/// The 2-step verification code from the environment, if set and not blank.
pub fn code_from_env() -> Option<String> {
    std::env::var(OTP_ENV)
        .ok()
        .map(|c| c.trim().to_owned())
        .filter(|c| !c.is_empty())
}
