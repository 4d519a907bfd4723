//! The reference server's session store (express-session's MemoryStore, bounded): a session
//! lives as long as its cookie (10 h from its last save, like Medusa's `connect.sid`), expired
//! sessions are pruned, and the store never holds more than `cap` sessions, so a soak test of
//! anonymous requests (each of which opens a session, as in Medusa) keeps memory flat.
//!
//! When full, the store drops expired sessions, then anonymous ones, then the oldest, down to
//! three quarters of `cap` at once (so the sort is paid once per `cap / 4` new sessions).

use std::collections::HashMap;

struct Entry {
    customer: Option<String>,
    /// Unix seconds.
    expires: i64,
}

pub struct Sessions {
    map: HashMap<String, Entry>,
    ttl: i64,
    cap: usize,
}

impl Sessions {
    pub fn new(ttl_secs: i64, cap: usize) -> Sessions {
        Sessions {
            map: HashMap::new(),
            ttl: ttl_secs,
            cap: cap.max(4),
        }
    }

    /// Whether `sid` names a live session.
    pub fn live(&mut self, sid: &str, now: i64) -> bool {
        match self.map.get(sid) {
            Some(e) if e.expires > now => true,
            Some(_) => {
                self.map.remove(sid);
                false
            }
            None => false,
        }
    }

    /// The logged-in customer of a live session.
    pub fn customer(&mut self, sid: &str, now: i64) -> Option<String> {
        if !self.live(sid, now) {
            return None;
        }
        self.map.get(sid).and_then(|e| e.customer.clone())
    }

    /// Saves `sid` (new or existing) with `customer`; its cookie is re-sent, so it lives `ttl`
    /// from now.
    pub fn save(&mut self, sid: &str, customer: Option<String>, now: i64) {
        let expires = now + self.ttl;
        match self.map.get_mut(sid) {
            Some(e) => {
                e.customer = customer;
                e.expires = expires;
            }
            None => {
                if self.map.len() >= self.cap {
                    self.make_room(now);
                }
                self.map
                    .insert(sid.to_string(), Entry { customer, expires });
            }
        }
    }

    pub fn remove(&mut self, sid: &str) {
        self.map.remove(sid);
    }

    pub fn len(&self) -> usize {
        self.map.len()
    }

    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    fn make_room(&mut self, now: i64) {
        self.map.retain(|_, e| e.expires > now);
        let target = self.cap * 3 / 4;
        if self.map.len() <= target {
            return;
        }
        let mut order: Vec<(bool, i64, String)> = self
            .map
            .iter()
            .map(|(k, e)| (e.customer.is_some(), e.expires, k.clone()))
            .collect();
        order.sort_unstable();
        let excess = self.map.len() - target;
        for (_, _, k) in order.into_iter().take(excess) {
            self.map.remove(&k);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sessions_expire_after_the_ttl() {
        let mut s = Sessions::new(36_000, 100);
        s.save("a", Some("cus_1".into()), 1_000);
        assert_eq!(s.customer("a", 1_000 + 35_999).as_deref(), Some("cus_1"));
        assert_eq!(s.customer("a", 1_000 + 36_000), None);
        assert!(s.is_empty(), "an expired session is dropped when seen");
    }

    #[test]
    fn expired_sessions_are_pruned_and_logged_in_ones_kept_longest() {
        let mut s = Sessions::new(10, 8);
        s.save("customer", Some("cus_1".into()), 0);
        for i in 0..7 {
            s.save(&format!("old{i}"), None, 0);
        }
        // Full: the next new session prunes the expired ones first.
        s.save("fresh", None, 100);
        assert_eq!(s.len(), 1);
        // Nothing expired: anonymous sessions go before the logged-in one.
        let mut s = Sessions::new(10, 8);
        s.save("customer", Some("cus_1".into()), 0);
        for i in 0..20 {
            s.save(&format!("anon{i}"), None, 1);
        }
        assert!(s.len() <= 8);
        assert_eq!(s.customer("customer", 2).as_deref(), Some("cus_1"));
    }

    /// 200,000 requests without a cookie (each opens a session, as in Medusa): the store
    /// stays at its cap.
    #[test]
    fn two_hundred_thousand_anonymous_requests_keep_the_store_bounded() {
        let mut s = Sessions::new(36_000, 10_000);
        let mut largest = 0;
        for i in 0..200_000 {
            s.save(&format!("sid{i}"), None, 1_000 + i / 100);
            largest = largest.max(s.len());
        }
        assert!(largest <= 10_000, "{largest}");
        assert!(s.map.capacity() <= 2 * 16_384, "{}", s.map.capacity());
    }
}
