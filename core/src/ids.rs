//! Typed, prefixed identifiers (`wf_…`, `fm_…`): the prefix tells a reader what an id
//! names, and a mixed-up id fails lookup instead of matching the wrong table.

use rand::Rng;

const ALPHABET: &[u8] = b"0123456789abcdefghjkmnpqrstvwxyz";
const RANDOM_LEN: usize = 20;

/// A fresh id such as `wf_3k9v…`: 100 random bits, Crockford base32.
pub fn new_id(prefix: &str) -> String {
    let mut id = String::with_capacity(prefix.len() + 1 + RANDOM_LEN);
    id.push_str(prefix);
    id.push('_');
    push_random(&mut id, RANDOM_LEN);
    id
}

/// Appends `count` random characters of the alphabet (5 bits each).
fn push_random(id: &mut String, count: usize) {
    let mut rng = rand::thread_rng();
    for _ in 0..count {
        id.push(ALPHABET[rng.gen_range(0..ALPHABET.len())] as char);
    }
}

/// Characters of the time part of [`new_sorted_id`]: 50 bits of milliseconds.
const TIME_LEN: usize = 10;
/// Random characters after it: 60 bits.
const SORTED_RANDOM_LEN: usize = 12;

/// A fresh id whose text sorts by creation time (`frun_` + milliseconds + randomness), for
/// rows written at a high rate: each new key lands at the end of its index instead of on a
/// random page, so a commit rewrites a few pages instead of one per row.
pub fn new_sorted_id(prefix: &str, now_millis: i64) -> String {
    let mut id = String::with_capacity(prefix.len() + 1 + TIME_LEN + SORTED_RANDOM_LEN);
    id.push_str(prefix);
    id.push('_');
    let time = u64::try_from(now_millis).unwrap_or_default();
    for shift in (0..TIME_LEN).rev() {
        id.push(ALPHABET[((time >> (shift * 5)) & 31) as usize] as char);
    }
    push_random(&mut id, SORTED_RANDOM_LEN);
    id
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_carry_their_prefix_and_differ() {
        let a = new_id("wf");
        let b = new_id("wf");
        assert!(a.starts_with("wf_"));
        assert_eq!(a.len(), 3 + RANDOM_LEN);
        assert_ne!(a, b);
    }

    #[test]
    fn sorted_ids_sort_by_time() {
        let early = new_sorted_id("frun", 1_700_000_000_000);
        let later = new_sorted_id("frun", 1_700_000_000_001);
        assert!(early < later, "{early} < {later}");
        assert_eq!(early.len(), "frun_".len() + TIME_LEN + SORTED_RANDOM_LEN);
        assert_ne!(new_sorted_id("frun", 5), new_sorted_id("frun", 5));
    }
}
