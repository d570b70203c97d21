//! Vectors whose freed slots are reused, so that indices stay stable and dense while
//! entries come and go (LiB's units, trie nodes, rank blocks).

/// The index [`place`] gives the next value.
pub(crate) fn next_place<T>(items: &[T], free: &[u32]) -> u32 {
    free.last().copied().unwrap_or(items.len() as u32)
}

/// Store `value` in a slot of `items` listed in `free`, or at the end; its index.
pub(crate) fn place<T>(items: &mut Vec<T>, free: &mut Vec<u32>, value: T) -> u32 {
    match free.pop() {
        Some(slot) => {
            items[slot as usize] = value;
            slot
        }
        None => {
            items.push(value);
            (items.len() - 1) as u32
        }
    }
}
