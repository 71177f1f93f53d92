//! Failed sign-ins, counted per account and per address in a sliding window, so
//! that guessing passwords is slow for one account and for one attacker.
//!
//! Counts live in the instance's memory: behind a load balancer each instance
//! counts on its own (the limit then holds per instance).

use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

#[derive(Debug, Clone, Copy)]
pub struct ThrottleRules {
    /// Failures one account may see in a window before sign-in to it pauses.
    pub per_account: usize,
    /// Failures one address may cause in a window, over all accounts.
    pub per_address: usize,
    pub window: Duration,
}

impl Default for ThrottleRules {
    fn default() -> Self {
        Self {
            per_account: 5,
            per_address: 20,
            window: Duration::from_secs(15 * 60),
        }
    }
}

/// Beyond this many keys, keys with no failure in the window are forgotten.
const PRUNE_ABOVE: usize = 10_000;

#[derive(Default)]
struct Failures(HashMap<String, VecDeque<Instant>>);

impl Failures {
    /// How long until `key` may try again, if it is over `limit`.
    fn wait(&mut self, key: &str, limit: usize, window: Duration, now: Instant) -> Option<Duration> {
        let times = self.0.get_mut(key)?;
        while times.front().is_some_and(|t| now.duration_since(*t) >= window) {
            times.pop_front();
        }
        if times.len() < limit {
            return None;
        }
        let oldest = *times.front()?;
        Some(
            window
                .saturating_sub(now.duration_since(oldest))
                .max(Duration::from_secs(1)),
        )
    }

    fn add(&mut self, key: String, window: Duration, now: Instant) {
        if self.0.len() > PRUNE_ABOVE {
            self.0
                .retain(|_, times| times.back().is_some_and(|t| now.duration_since(*t) < window));
        }
        self.0.entry(key).or_default().push_back(now);
    }
}

pub struct SignInThrottle {
    rules: ThrottleRules,
    accounts: Mutex<Failures>,
    addresses: Mutex<Failures>,
}

impl SignInThrottle {
    pub fn new(rules: ThrottleRules) -> Self {
        Self {
            rules,
            accounts: Mutex::default(),
            addresses: Mutex::default(),
        }
    }

    /// `Err(wait)` when the account or the address has failed too often lately.
    pub fn check(&self, email: &str, address: Option<IpAddr>) -> Result<(), Duration> {
        let now = Instant::now();
        let rules = self.rules;
        let account = lock(&self.accounts).wait(email, rules.per_account, rules.window, now);
        let address = address
            .and_then(|a| lock(&self.addresses).wait(&a.to_string(), rules.per_address, rules.window, now));
        match account.max(address) {
            Some(wait) => Err(wait),
            None => Ok(()),
        }
    }

    pub fn failed(&self, email: &str, address: Option<IpAddr>) {
        let now = Instant::now();
        lock(&self.accounts).add(email.to_owned(), self.rules.window, now);
        if let Some(address) = address {
            lock(&self.addresses).add(address.to_string(), self.rules.window, now);
        }
    }

    /// A successful sign-in clears the account's failures (not the address's).
    pub fn succeeded(&self, email: &str) {
        lock(&self.accounts).0.remove(email);
    }
}

fn lock(failures: &Mutex<Failures>) -> std::sync::MutexGuard<'_, Failures> {
    failures.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_account_pauses_after_its_limit_and_a_success_clears_it() {
        let throttle = SignInThrottle::new(ThrottleRules {
            per_account: 2,
            per_address: 100,
            window: Duration::from_secs(60),
        });
        let here = Some("192.0.2.1".parse().unwrap());
        assert!(throttle.check("a@x", here).is_ok());
        throttle.failed("a@x", here);
        throttle.failed("a@x", here);
        let wait = throttle.check("a@x", here).unwrap_err();
        assert!(wait <= Duration::from_secs(60) && wait >= Duration::from_secs(1));
        assert!(
            throttle.check("b@x", here).is_ok(),
            "another account is not held back"
        );
        throttle.succeeded("a@x");
        assert!(throttle.check("a@x", here).is_ok());
    }

    #[test]
    fn an_address_pauses_after_its_limit_over_all_accounts() {
        let throttle = SignInThrottle::new(ThrottleRules {
            per_account: 100,
            per_address: 3,
            window: Duration::from_secs(60),
        });
        let here = Some("192.0.2.1".parse().unwrap());
        for n in 0..3 {
            throttle.failed(&format!("{n}@x"), here);
        }
        assert!(throttle.check("fresh@x", here).is_err());
        assert!(
            throttle
                .check("fresh@x", Some("192.0.2.2".parse().unwrap()))
                .is_ok()
        );
    }

    #[test]
    fn failures_older_than_the_window_no_longer_count() {
        let throttle = SignInThrottle::new(ThrottleRules {
            per_account: 1,
            per_address: 100,
            window: Duration::ZERO,
        });
        throttle.failed("a@x", None);
        assert!(throttle.check("a@x", None).is_ok());
    }
}
