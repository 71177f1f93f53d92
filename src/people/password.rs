//! Passwords: argon2id (memory-hard) with a random salt, stored in PHC format.

use std::sync::LazyLock;

use tokio::sync::Semaphore;

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};

/// The shortest password accepted: long passphrases beat composition rules.
pub const MIN_CHARS: usize = 12;
/// Beyond this a password is refused, so hashing cannot be made to take long.
pub const MAX_CHARS: usize = 256;

/// OWASP's first recommended argon2id setting: 19 MiB, two passes, one lane.
fn hasher() -> Argon2<'static> {
    let params = Params::new(19 * 1024, 2, 1, None).expect("valid argon2 parameters");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Whether a new password is acceptable; the reason when not.
pub fn check(password: &str) -> Result<(), String> {
    let chars = password.chars().count();
    if chars < MIN_CHARS {
        return Err(format!(
            "use at least {MIN_CHARS} characters (a few words make a good one)"
        ));
    }
    if chars > MAX_CHARS {
        return Err(format!("use at most {MAX_CHARS} characters"));
    }
    Ok(())
}

pub fn hash(password: &str) -> String {
    let salt = SaltString::generate(&mut OsRng);
    hasher()
        .hash_password(password.as_bytes(), &salt)
        .expect("argon2id hashes any password of bounded length")
        .to_string()
}

/// Whether `password` matches `stored`. With no stored hash (an unknown email, a
/// person still invited), a dummy hash is checked all the same, so the answer
/// takes as long and does not tell which emails exist.
pub fn verify(stored: Option<&str>, password: &str) -> bool {
    static DUMMY: LazyLock<String> = LazyLock::new(|| hash("not anyone's password, ever"));
    let (stored, real) = match stored {
        Some(stored) => (stored, true),
        None => (DUMMY.as_str(), false),
    };
    if password.chars().count() > MAX_CHARS {
        return false;
    }
    let Ok(parsed) = PasswordHash::new(stored) else {
        return false;
    };
    hasher().verify_password(password.as_bytes(), &parsed).is_ok() && real
}

/// Hashing takes tens of milliseconds of CPU and 19 MiB each: it runs on the
/// blocking pool, at most one per core at a time, never on the workers that serve requests.
static HASHING: LazyLock<Semaphore> =
    LazyLock::new(|| Semaphore::new(std::thread::available_parallelism().map_or(2, std::num::NonZero::get)));

/// [`hash`] off the request workers; `None` only if the hashing thread died.
pub async fn hash_apart(password: String) -> Option<String> {
    let _turn = HASHING.acquire().await.ok()?;
    tokio::task::spawn_blocking(move || hash(&password)).await.ok()
}

/// [`verify`] off the request workers; a hashing thread that died verifies nothing.
pub async fn verify_apart(stored: Option<String>, password: String) -> bool {
    let Ok(_turn) = HASHING.acquire().await else {
        return false;
    };
    tokio::task::spawn_blocking(move || verify(stored.as_deref(), &password))
        .await
        .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_password_verifies_against_its_argon2id_hash_only() {
        let stored = hash("correct horse battery staple");
        assert!(stored.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{stored}");
        assert!(verify(Some(&stored), "correct horse battery staple"));
        assert!(!verify(Some(&stored), "correct horse battery stapl"));
        assert!(!verify(None, "correct horse battery staple"));
        assert!(!verify(Some("not a hash"), "anything"));
        assert_ne!(
            stored,
            hash("correct horse battery staple"),
            "each hash has its own salt"
        );
    }

    #[test]
    fn short_and_huge_passwords_are_refused() {
        assert!(check("eleven char").is_err());
        assert!(check("twelve chars").is_ok());
        assert!(check(&"x".repeat(MAX_CHARS + 1)).is_err());
    }
}
