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

/// Beyond this many keys, keys with no failure in the window are forgotten, and
/// if that is not enough, those whose last failure is oldest.
const MOST_KEYS: usize = 100_000;

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

    fn add(&mut self, key: &str, window: Duration, now: Instant) {
        if self.0.len() >= MOST_KEYS && !self.0.contains_key(key) {
            self.0
                .retain(|_, times| times.back().is_some_and(|t| now.duration_since(*t) < window));
            if self.0.len() >= MOST_KEYS {
                let mut newest: Vec<(Instant, String)> = self
                    .0
                    .iter()
                    .filter_map(|(key, times)| times.back().map(|t| (*t, key.clone())))
                    .collect();
                newest.sort_unstable();
                for (_, key) in newest.into_iter().take(MOST_KEYS / 10) {
                    self.0.remove(&key);
                }
            }
        }
        self.0.entry(key.to_owned()).or_default().push_back(now);
    }

    /// Takes back the newest attempt of `key` (one that turned out not to fail).
    fn take_back(&mut self, key: &str) {
        if let Some(times) = self.0.get_mut(key) {
            times.pop_back();
            if times.is_empty() {
                self.0.remove(key);
            }
        }
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

    /// Counts a sign-in attempt before it is checked, so that attempts made at
    /// the same moment are all counted: `Err(wait)` when the account (`None`
    /// for an email that cannot be anyone's) or the address has failed too often
    /// lately. An attempt that succeeds is taken back with [`succeeded`](Self::succeeded).
    pub fn attempt(&self, account: Option<&str>, address: Option<IpAddr>) -> Result<(), Duration> {
        let now = Instant::now();
        let rules = self.rules;
        let mut accounts = lock(&self.accounts);
        let mut addresses = lock(&self.addresses);
        let address = address.map(|a| a.to_string());
        let wait_account = account.and_then(|a| accounts.wait(a, rules.per_account, rules.window, now));
        let wait_address = address
            .as_deref()
            .and_then(|a| addresses.wait(a, rules.per_address, rules.window, now));
        if let Some(wait) = wait_account.max(wait_address) {
            return Err(wait);
        }
        if let Some(account) = account {
            accounts.add(account, rules.window, now);
        }
        if let Some(address) = &address {
            addresses.add(address, rules.window, now);
        }
        Ok(())
    }

    /// A successful sign-in clears the account's failures and takes back its
    /// attempt from the address's count.
    pub fn succeeded(&self, account: &str, address: Option<IpAddr>) {
        lock(&self.accounts).0.remove(account);
        if let Some(address) = address {
            lock(&self.addresses).take_back(&address.to_string());
        }
    }
}

fn lock(failures: &Mutex<Failures>) -> std::sync::MutexGuard<'_, Failures> {
    failures.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules(per_account: usize, per_address: usize, window: Duration) -> ThrottleRules {
        ThrottleRules {
            per_account,
            per_address,
            window,
        }
    }

    #[test]
    fn an_account_pauses_after_its_limit_and_a_success_clears_it() {
        let throttle = SignInThrottle::new(rules(2, 100, Duration::from_secs(60)));
        let here = Some("192.0.2.1".parse().unwrap());
        assert!(throttle.attempt(Some("a@x"), here).is_ok());
        assert!(throttle.attempt(Some("a@x"), here).is_ok());
        let wait = throttle.attempt(Some("a@x"), here).unwrap_err();
        assert!(wait <= Duration::from_secs(60) && wait >= Duration::from_secs(1));
        assert!(
            throttle.attempt(Some("b@x"), here).is_ok(),
            "another account is not held back"
        );
        throttle.succeeded("a@x", here);
        assert!(throttle.attempt(Some("a@x"), here).is_ok());
    }

    #[test]
    fn an_address_pauses_after_its_limit_over_all_accounts() {
        let throttle = SignInThrottle::new(rules(100, 3, Duration::from_secs(60)));
        let here = Some("192.0.2.1".parse().unwrap());
        for n in 0..3 {
            assert!(throttle.attempt(Some(&format!("{n}@x")), here).is_ok());
        }
        assert!(throttle.attempt(Some("fresh@x"), here).is_err());
        assert!(
            throttle.attempt(None, here).is_err(),
            "an impossible email counts at the address"
        );
        let elsewhere = Some("192.0.2.2".parse().unwrap());
        assert!(throttle.attempt(Some("fresh@x"), elsewhere).is_ok());
    }

    #[test]
    fn attempts_made_at_the_same_moment_are_all_counted() {
        let throttle = SignInThrottle::new(rules(5, 100, Duration::from_secs(60)));
        let admitted: usize = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..50)
                .map(|_| scope.spawn(|| throttle.attempt(Some("a@x"), None).is_ok()))
                .collect();
            handles.into_iter().map(|h| usize::from(h.join().unwrap())).sum()
        });
        assert_eq!(admitted, 5);
    }

    #[test]
    fn failures_older_than_the_window_no_longer_count() {
        let throttle = SignInThrottle::new(rules(1, 100, Duration::ZERO));
        assert!(throttle.attempt(Some("a@x"), None).is_ok());
        assert!(throttle.attempt(Some("a@x"), None).is_ok());
    }
}
