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
/// Characters of the sequence within one millisecond that follows it: 20 bits.
const SEQUENCE_LEN: usize = 4;
/// Random characters after that: 40 bits.
const SORTED_RANDOM_LEN: usize = 8;

/// The millisecond of the last sorted id this process made, and its sequence in it.
static LAST_SORTED: std::sync::Mutex<(i64, u64)> = std::sync::Mutex::new((i64::MIN, 0));

/// A fresh id whose text sorts by creation time (`frun_` + milliseconds + sequence +
/// randomness), for rows written at a high rate: each new key lands at the end of its index
/// instead of on a random page, so a commit rewrites a few pages instead of one per row.
/// The ids one process makes sort in the order it made them, within a millisecond too (the
/// sequence), so "oldest first" (a flow's queued runs taking their turns) holds however fast
/// runs come: a caller whose clock reading is already behind the last id's gets that id's
/// millisecond.
pub fn new_sorted_id(prefix: &str, now_millis: i64) -> String {
    let (time, sequence) = {
        let mut last = LAST_SORTED.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        *last = next_stamp(*last, now_millis);
        *last
    };
    let mut id = String::with_capacity(prefix.len() + 1 + TIME_LEN + SEQUENCE_LEN + SORTED_RANDOM_LEN);
    id.push_str(prefix);
    id.push('_');
    push_base32(&mut id, u64::try_from(time).unwrap_or_default(), TIME_LEN);
    push_base32(&mut id, sequence, SEQUENCE_LEN);
    push_random(&mut id, SORTED_RANDOM_LEN);
    id
}

/// The (millisecond, sequence) of the sorted id after one stamped `last`, made at `now`.
fn next_stamp((time, sequence): (i64, u64), now: i64) -> (i64, u64) {
    const SEQUENCES: u64 = 1 << (5 * SEQUENCE_LEN);
    match time >= now {
        true if sequence + 1 < SEQUENCES => (time, sequence + 1),
        true => (time + 1, 0),
        false => (now, 0),
    }
}

/// Appends the low `len` × 5 bits of `value`, most significant first.
fn push_base32(id: &mut String, value: u64, len: usize) {
    for shift in (0..len).rev() {
        id.push(ALPHABET[((value >> (shift * 5)) & 31) as usize] as char);
    }
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
    fn sorted_ids_sort_in_the_order_they_were_made_within_a_millisecond_too() {
        let ids: Vec<String> = (0..2_000).map(|_| new_sorted_id("frun", crate::clock::now_millis())).collect();
        assert!(ids.windows(2).all(|pair| pair[0] < pair[1]), "{ids:?}");
        assert_eq!(ids[0].len(), "frun_".len() + TIME_LEN + SEQUENCE_LEN + SORTED_RANDOM_LEN);
    }

    #[test]
    fn a_sorted_ids_stamp_never_goes_back() {
        assert_eq!(next_stamp((1_000, 7), 1_001), (1_001, 0), "a new millisecond starts its sequence");
        assert_eq!(next_stamp((1_000, 7), 1_000), (1_000, 8), "the same millisecond counts on");
        assert_eq!(next_stamp((1_000, 7), 999), (1_000, 8), "a clock reading behind the last id's takes its millisecond");
        assert_eq!(next_stamp((1_000, (1 << 20) - 1), 1_000), (1_001, 0), "a full millisecond moves to the next");
    }
}
