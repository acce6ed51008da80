//! [`FlatSet`]: the per-account edge collection. A sorted `Vec` while small (nearly every
//! account: one exact allocation, built directly from a snapshot's sorted runs), promoted to a
//! B-tree past [`LARGE`] items so an account with a large degree keeps `O(log n)` updates.
//!
//! Items carry their own key ([`Keyed`]), so a follow edge or an endorsement is stored once with
//! no duplicated key in the flat form.

use std::collections::BTreeMap;
use std::collections::btree_map;
use std::ops::{Bound, RangeBounds};

/// The size past which a [`FlatSet`] becomes a B-tree: an insert into a sorted `Vec` of this
/// many 16- to 64-byte items moves at most a few KiB.
pub(crate) const LARGE: usize = 64;

/// Sets up to this size are searched by a forward scan instead of a binary search.
const SCAN: usize = 16;

/// The first allocation of a set that grows by inserts (a B-tree leaf holds 11).
const FIRST: usize = 12;

/// An item with its ordering key.
pub(crate) trait Keyed {
    /// The key, unique within a set.
    type Key: Ord + Copy;
    /// This item's key.
    fn key(&self) -> Self::Key;
}

/// Items unique and sorted by key: a sorted `Vec` up to [`LARGE`] items, a `BTreeMap` beyond.
#[derive(Debug, Clone)]
pub(crate) enum FlatSet<T: Keyed> {
    /// Sorted by key, strictly increasing.
    Flat(Vec<T>),
    /// More than [`LARGE`] items.
    Tree(BTreeMap<T::Key, T>),
}

impl<T: Keyed> Default for FlatSet<T> {
    fn default() -> Self {
        Self::Flat(Vec::new())
    }
}

impl<T: Keyed> FlatSet<T> {
    /// A set of `items`, which the caller has checked are strictly sorted by key (a snapshot's
    /// runs are checked while decoding). The flat form keeps the `Vec` (its capacity exact when
    /// the caller built it so).
    pub(crate) fn from_sorted(items: Vec<T>) -> Self {
        debug_assert!(items.windows(2).all(|w| w[0].key() < w[1].key()));
        if items.len() > LARGE {
            Self::Tree(items.into_iter().map(|t| (t.key(), t)).collect())
        } else {
            Self::Flat(items)
        }
    }

    pub(crate) fn len(&self) -> usize {
        match self {
            Self::Flat(v) => v.len(),
            Self::Tree(m) => m.len(),
        }
    }

    pub(crate) fn get(&self, key: &T::Key) -> Option<&T> {
        match self {
            // A short set is scanned in order: the records are read front to back (what the
            // prefetcher serves best) and the scan stops at the first key not below `key`.
            Self::Flat(v) if v.len() <= SCAN => v
                .iter()
                .find(|t| t.key() >= *key)
                .filter(|t| t.key() == *key),
            Self::Flat(v) => v.binary_search_by(|t| t.key().cmp(key)).ok().map(|i| &v[i]),
            Self::Tree(m) => m.get(key),
        }
    }

    pub(crate) fn contains(&self, key: &T::Key) -> bool {
        self.get(key).is_some()
    }

    /// Inserts `item`, returning the item it replaced (same key).
    pub(crate) fn insert(&mut self, item: T) -> Option<T> {
        match self {
            Self::Flat(v) => {
                let key = item.key();
                match v.binary_search_by(|t| t.key().cmp(&key)) {
                    Ok(i) => Some(std::mem::replace(&mut v[i], item)),
                    Err(i) => {
                        if v.len() >= LARGE {
                            let mut tree: BTreeMap<T::Key, T> =
                                v.drain(..).map(|t| (t.key(), t)).collect();
                            tree.insert(key, item);
                            *self = Self::Tree(tree);
                        } else {
                            if v.len() == v.capacity() {
                                // Like a B-tree leaf: room for FIRST at once, then doubling up
                                // to LARGE, so a growing set reallocates rarely.
                                let grow = if v.is_empty() { FIRST } else { v.len() };
                                v.reserve_exact(grow.min(LARGE - v.len()).max(1));
                            }
                            v.insert(i, item);
                        }
                        None
                    }
                }
            }
            Self::Tree(m) => m.insert(item.key(), item),
        }
    }

    /// Removes the item with `key`.
    pub(crate) fn remove(&mut self, key: &T::Key) -> Option<T> {
        match self {
            Self::Flat(v) => {
                let i = v.binary_search_by(|t| t.key().cmp(key)).ok()?;
                let item = v.remove(i);
                if v.is_empty() {
                    // Release the buffer: an emptied set costs nothing.
                    *v = Vec::new();
                }
                Some(item)
            }
            Self::Tree(m) => m.remove(key),
        }
    }

    /// Every item in key order.
    pub(crate) fn iter(&self) -> Iter<'_, T> {
        self.range(..)
    }

    /// The items whose key is in `range`, in key order.
    pub(crate) fn range<R: RangeBounds<T::Key>>(&self, range: R) -> Iter<'_, T> {
        match self {
            Self::Flat(v) => {
                let start = match range.start_bound() {
                    Bound::Unbounded => 0,
                    Bound::Included(k) => v.partition_point(|t| t.key() < *k),
                    Bound::Excluded(k) => v.partition_point(|t| t.key() <= *k),
                };
                let end = match range.end_bound() {
                    Bound::Unbounded => v.len(),
                    Bound::Included(k) => v.partition_point(|t| t.key() <= *k),
                    Bound::Excluded(k) => v.partition_point(|t| t.key() < *k),
                };
                Iter::Flat(v[start..end.max(start)].iter())
            }
            Self::Tree(m) => Iter::Tree(m.range(range)),
        }
    }
}

/// An iterator over a [`FlatSet`]'s items in key order.
pub(crate) enum Iter<'a, T: Keyed> {
    Flat(std::slice::Iter<'a, T>),
    Tree(btree_map::Range<'a, T::Key, T>),
}

impl<'a, T: Keyed> Iterator for Iter<'a, T> {
    type Item = &'a T;

    fn next(&mut self) -> Option<&'a T> {
        match self {
            Self::Flat(it) => it.next(),
            Self::Tree(it) => it.next().map(|(_, t)| t),
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        match self {
            Self::Flat(it) => it.size_hint(),
            Self::Tree(it) => it.size_hint(),
        }
    }
}

impl<'a, T: Keyed> IntoIterator for &'a FlatSet<T> {
    type Item = &'a T;
    type IntoIter = Iter<'a, T>;

    fn into_iter(self) -> Iter<'a, T> {
        self.iter()
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::ops::Bound;

    use proptest::prelude::*;

    use super::{FlatSet, Keyed, LARGE};

    /// Keys a few times [`LARGE`], so sets cross the promotion size both ways.
    #[allow(clippy::cast_possible_truncation)] // LARGE is 64
    const KEYS: u16 = LARGE as u16 * 3;

    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    struct Item(u16, u32);

    impl Keyed for Item {
        type Key = u16;
        fn key(&self) -> u16 {
            self.0
        }
    }

    #[derive(Debug, Clone)]
    enum Op {
        Insert(u16, u32),
        Remove(u16),
    }

    fn op() -> impl Strategy<Value = Op> {
        let key = 0..KEYS;
        prop_oneof![
            3 => (key.clone(), any::<u32>()).prop_map(|(k, v)| Op::Insert(k, v)),
            1 => key.prop_map(Op::Remove),
        ]
    }

    fn bound(kind: u8, k: u16) -> Bound<u16> {
        match kind % 3 {
            0 => Bound::Unbounded,
            1 => Bound::Included(k),
            _ => Bound::Excluded(k),
        }
    }

    proptest! {
        /// Against a `BTreeMap` model: every operation's result, and after each one the length,
        /// lookups, full iteration and a range, across promotion to a tree.
        #[test]
        fn behaves_like_a_btree_map(
            ops in prop::collection::vec(op(), 0..400),
            lo in (any::<u8>(), 0..KEYS),
            hi in (any::<u8>(), 0..KEYS),
        ) {
            let mut set = FlatSet::default();
            let mut model = BTreeMap::new();
            for op in ops {
                match op {
                    Op::Insert(k, v) => prop_assert_eq!(
                        set.insert(Item(k, v)).map(|i| i.1),
                        model.insert(k, v)
                    ),
                    Op::Remove(k) => prop_assert_eq!(set.remove(&k).map(|i| i.1), model.remove(&k)),
                }
                prop_assert_eq!(set.len(), model.len());
            }
            let all: Vec<(u16, u32)> = set.iter().map(|i| (i.0, i.1)).collect();
            let want: Vec<(u16, u32)> = model.iter().map(|(k, v)| (*k, *v)).collect();
            prop_assert_eq!(&all, &want);
            for k in 0..KEYS {
                prop_assert_eq!(set.get(&k).map(|i| i.1), model.get(&k).copied());
            }
            let (lo, hi) = (bound(lo.0, lo.1), bound(hi.0, hi.1));
            // BTreeMap::range panics on an inverted or empty-excluded range; compare where valid.
            let valid = match (lo, hi) {
                (Bound::Included(a) | Bound::Excluded(a), Bound::Included(b) | Bound::Excluded(b)) => {
                    a < b || (a == b && matches!((lo, hi), (Bound::Included(_), Bound::Included(_))))
                }
                _ => true,
            };
            if valid {
                let got: Vec<u16> = set.range((lo, hi)).map(|i| i.0).collect();
                let want: Vec<u16> = model.range((lo, hi)).map(|(k, _)| *k).collect();
                prop_assert_eq!(got, want);
            }
            let rebuilt = FlatSet::from_sorted(set.iter().copied().collect());
            prop_assert_eq!(rebuilt.iter().copied().collect::<Vec<_>>(), set.iter().copied().collect::<Vec<_>>());
        }
    }

    #[test]
    fn a_set_past_large_becomes_a_tree_and_an_emptied_one_frees_its_buffer() {
        let mut set = FlatSet::default();
        for k in 0..=KEYS / 3 {
            set.insert(Item(k, 0));
        }
        assert!(matches!(set, FlatSet::Tree(_)));
        assert_eq!(set.len(), LARGE + 1);
        let mut small = FlatSet::from_sorted(vec![Item(1, 0)]);
        assert!(matches!(&small, FlatSet::Flat(v) if v.capacity() == 1));
        small.remove(&1);
        assert!(matches!(&small, FlatSet::Flat(v) if v.capacity() == 0));
    }
}
