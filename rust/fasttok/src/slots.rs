//! Vectors whose freed slots are reused, so that indices stay stable and dense while
//! entries come and go (LiB's units, trie nodes, rank blocks).

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
