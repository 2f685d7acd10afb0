//! What instances serving one PostgreSQL database tell each other, on one channel
//! (`NOTIFY outflow_changes`): that configuration changed (their caches refill at their next
//! use) and that work was queued (their workers look for it at once instead of at their next
//! poll). Both are hints: every cache is also refilled, and every worker also polls, after an
//! announcement was possibly missed (a lost listening connection counts as both).

/// The channel instances speak on.
pub(crate) const CHANGES: &str = "outflow_changes";

/// One announcement, from the instance `from` (its name, as in `db::application_name`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Message<'a> {
    /// A configuration change committed.
    Configuration { from: &'a str },
    /// Work was queued: a set of kinds, whose bits the caller defines (`ops::Wakeups`).
    Work { from: &'a str, kinds: u8 },
}

impl<'a> Message<'a> {
    /// The notification's payload.
    pub(crate) fn encode(self) -> String {
        match self {
            Message::Configuration { from } => format!("config {from}"),
            Message::Work { from, kinds } => format!("work {from} {kinds}"),
        }
    }

    /// The announcement a payload holds; `None` for one this version cannot read (an
    /// instance of another version may send it: treat it as "anything may have changed").
    pub(crate) fn decode(payload: &'a str) -> Option<Message<'a>> {
        let mut words = payload.split(' ');
        let message = match (words.next()?, words.next()?, words.next()) {
            ("config", from, None) => Message::Configuration { from },
            ("work", from, Some(kinds)) => Message::Work { from, kinds: kinds.parse().ok()? },
            _ => return None,
        };
        words.next().is_none().then_some(message)
    }

    /// The instance that sent it.
    pub(crate) fn from(self) -> &'a str {
        match self {
            Message::Configuration { from } | Message::Work { from, .. } => from,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn announcements_read_back_as_sent() {
        for message in [Message::Configuration { from: "in_1" }, Message::Work { from: "in_2", kinds: 0b101 }] {
            assert_eq!(Message::decode(&message.encode()), Some(message));
        }
    }

    #[test]
    fn a_payload_of_another_shape_reads_as_unknown() {
        for payload in ["in_1", "", "config", "config in_1 3", "work in_2", "work in_2 300", "work in_2 x", "work in_2 1 extra"] {
            assert_eq!(Message::decode(payload), None, "{payload:?}");
        }
    }
}
