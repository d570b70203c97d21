//! Byte-level BPE: the trainer and the rank-ordered encoder.

mod encoder;
pub(crate) mod trainer;

pub use encoder::BpeModel;
pub use trainer::{BpeTrainer, TieBreak};
