//! The input's distinct ids, found by sorting their positions: four bytes per id and no hash
//! map, so that a run of a million users stays small. The same sorted positions answer "which
//! input is this user?" for the users a page of the portal's list brings.

use uuid::Uuid;

use super::report::Duplicate;
use crate::Error;

/// The distinct ids of an input and where each first appears.
pub(super) struct Index<'a> {
    ids: &'a [Uuid],
    /// The positions of first occurrences, sorted by id.
    by_id: Vec<u32>,
}

impl<'a> Index<'a> {
    /// Indexes `ids`; returns the repeats too, in input order. Fails on more ids than positions
    /// fit in 32 bits (over four billion).
    pub(super) fn new(ids: &'a [Uuid]) -> Result<(Self, Vec<Duplicate>), Error> {
        let count = u32::try_from(ids.len()).map_err(|_| {
            Error::invalid_input(format!(
                "{} user ids are more than one run takes ({})",
                ids.len(),
                u32::MAX
            ))
        })?;
        let mut by_id: Vec<u32> = (0..count).collect();
        // Ties go to the earlier position, so the first of a run of equal ids is the first
        // occurrence.
        by_id.sort_unstable_by_key(|&p| (ids[p as usize], p));
        let mut duplicates = Vec::new();
        let mut first: Option<u32> = None;
        by_id.retain(|&p| {
            let id = ids[p as usize];
            match first {
                Some(f) if ids[f as usize] == id => {
                    duplicates.push(Duplicate {
                        id,
                        position: p as usize,
                        first_position: f as usize,
                    });
                    false
                }
                _ => {
                    first = Some(p);
                    true
                }
            }
        });
        by_id.shrink_to_fit();
        duplicates.sort_unstable_by_key(|d| d.position);
        Ok((Index { ids, by_id }, duplicates))
    }

    /// Distinct ids.
    pub(super) fn len(&self) -> usize {
        self.by_id.len()
    }

    /// The position where `id` first appears, if it is in the input.
    pub(super) fn find(&self, id: Uuid) -> Option<usize> {
        self.by_id
            .binary_search_by(|&p| self.ids[p as usize].cmp(&id))
            .ok()
            .and_then(|i| self.by_id.get(i))
            .map(|&p| p as usize)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeats_are_found_with_their_first_position() {
        let a = Uuid::from_u128(7);
        let b = Uuid::from_u128(2);
        let c = Uuid::from_u128(9);
        let ids = [a, b, a, c, a, b];
        let (index, duplicates) = Index::new(&ids).unwrap();
        assert_eq!(index.len(), 3);
        assert_eq!(
            duplicates,
            [
                Duplicate {
                    id: a,
                    position: 2,
                    first_position: 0
                },
                Duplicate {
                    id: a,
                    position: 4,
                    first_position: 0
                },
                Duplicate {
                    id: b,
                    position: 5,
                    first_position: 1
                },
            ]
        );
        assert_eq!(index.find(a), Some(0));
        assert_eq!(index.find(b), Some(1));
        assert_eq!(index.find(c), Some(3));
        assert_eq!(index.find(Uuid::from_u128(8)), None);
    }
}
