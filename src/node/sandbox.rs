//! napi adapter (placeholder until its capability lands).
