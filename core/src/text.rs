//! Text shown to people: user input quoted and clipped in messages, the edit distance behind
//! every "did you mean", and the small stable sort that orders what is listed. `{:?}` is not used
//! for quoting: its Unicode escaping tables cost the wasm builds kilobytes.

/// `s` in double quotes, as `{:?}` would write it for ordinary text: `"` and `\` escaped, control
/// characters as `\n`, `\r`, `\t` or `\u{1b}`, everything else as is.
///
/// ```
/// use pipedrive_webhooks::text::quoted;
/// assert_eq!(quoted("dael"), "\"dael\"");
/// assert_eq!(quoted("a\"b\n\u{1b}[2J"), "\"a\\\"b\\n\\u{1b}[2J\"");
/// ```
pub fn quoted(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// At most 40 characters of `s`, with `…` when cut: user input inside a message.
pub fn clip(s: &str) -> String {
    if s.chars().count() <= 40 {
        s.to_string()
    } else {
        format!("{}…", s.chars().take(40).collect::<String>())
    }
}

/// Levenshtein distance, on bytes (names are ASCII), bounded work: inputs over 64 bytes are
/// `usize::MAX` away from everything.
///
/// ```
/// use pipedrive_webhooks::text::edit_distance;
/// assert_eq!(edit_distance("chnage.deal", "change.deal"), 2);
/// ```
pub fn edit_distance(a: &str, b: &str) -> usize {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() > 64 || b.len() > 64 {
        return usize::MAX;
    }
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(ca != cb)).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

/// Sorts `items` by `key`, stably, by insertion: for the short lists the rules sort (a caller's
/// errors, one token's webhooks, usually already in order), in a few dozen bytes of code where
/// the standard library's sorts take kilobytes of every wasm build.
///
/// ```
/// use pipedrive_webhooks::text::sort_small_by_key;
/// let mut v = [(2, 'a'), (1, 'b'), (2, 'c'), (0, 'd')];
/// sort_small_by_key(&mut v, |p| p.0);
/// assert_eq!(v, [(0, 'd'), (1, 'b'), (2, 'a'), (2, 'c')]);
/// ```
pub fn sort_small_by_key<T, K: Ord>(items: &mut [T], key: impl Fn(&T) -> K) {
    for i in 1..items.len() {
        let mut j = i;
        while j > 0 && key(&items[j - 1]) > key(&items[j]) {
            items.swap(j - 1, j);
            j -= 1;
        }
    }
}
