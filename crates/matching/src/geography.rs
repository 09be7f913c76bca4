//! Where children and families are, as matching needs it: each local authority area as a small
//! number, sets of areas as bits, and how many boundaries apart two areas are.
//!
//! Built once from the domain's table of areas ([`places::AREAS`]); nothing here reads a file.

use kinlink_domain::places;
use std::sync::OnceLock;

/// An area, by its place in [`places::AREAS`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AreaId(u16);

impl AreaId {
    /// The area of that name, if Kinlink knows it.
    pub fn of(name: &str) -> Option<AreaId> {
        places::AREAS
            .iter()
            .position(|a| a.name == name)
            .filter(|&i| i < WORDS * 64)
            .and_then(|i| u16::try_from(i).ok())
            .map(AreaId)
    }

    pub fn name(self) -> &'static str {
        places::AREAS[usize::from(self.0)].name
    }

    pub fn region(self) -> &'static str {
        places::AREAS[usize::from(self.0)].region
    }

    /// Its place in [`places::AREAS`].
    pub fn index(self) -> usize {
        usize::from(self.0)
    }

    /// Every area Kinlink knows, in the table's order.
    pub fn all() -> impl Iterator<Item = AreaId> {
        (0..places::AREAS.len().min(WORDS * 64)).filter_map(|i| u16::try_from(i).ok().map(AreaId))
    }
}

/// Room for 256 areas (England has 150 local authorities that place children).
const WORDS: usize = 4;

/// A set of areas, e.g. those a child's family must not live in.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AreaSet([u64; WORDS]);

impl AreaSet {
    pub fn insert(&mut self, area: AreaId) {
        self.0[area.index() / 64] |= 1 << (area.index() % 64);
    }

    pub fn contains(&self, area: AreaId) -> bool {
        self.0[area.index() / 64] & (1 << (area.index() % 64)) != 0
    }
}

/// How many boundaries separate two areas: 0 for the same area, 1 for neighbours, and so on
/// across England (the islands with no listed crossing are [`FAR`] from everywhere else).
pub fn boundaries_apart(a: AreaId, b: AreaId) -> u8 {
    let n = places::AREAS.len();
    distances()[a.index() * n + b.index()]
}

/// What [`boundaries_apart`] says of areas with no way between them.
pub const FAR: u8 = u8::MAX;

fn distances() -> &'static [u8] {
    static TABLE: OnceLock<Vec<u8>> = OnceLock::new();
    TABLE.get_or_init(|| {
        let n = places::AREAS.len();
        let neighbours: Vec<Vec<usize>> = places::AREAS
            .iter()
            .map(|a| {
                a.neighbours
                    .iter()
                    .filter_map(|name| AreaId::of(name).map(AreaId::index))
                    .collect()
            })
            .collect();
        let mut table = vec![FAR; n * n];
        let mut queue = std::collections::VecDeque::new();
        for start in 0..n {
            let row = &mut table[start * n..(start + 1) * n];
            row[start] = 0;
            queue.push_back(start);
            while let Some(at) = queue.pop_front() {
                let next = row[at].saturating_add(1);
                for &to in &neighbours[at] {
                    if row[to] == FAR {
                        row[to] = next;
                        queue.push_back(to);
                    }
                }
            }
        }
        table
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn neighbours_are_one_boundary_apart_and_distance_is_symmetric() {
        let leeds = AreaId::of("Leeds").unwrap();
        let bradford = AreaId::of("Bradford").unwrap();
        let cornwall = AreaId::of("Cornwall").unwrap();
        assert_eq!(boundaries_apart(leeds, leeds), 0);
        assert_eq!(boundaries_apart(leeds, bradford), 1);
        let far = boundaries_apart(leeds, cornwall);
        assert!(far > 5 && far != FAR, "Leeds to Cornwall: {far}");
        assert_eq!(far, boundaries_apart(cornwall, leeds));
    }

    #[test]
    fn every_area_has_room_in_a_set() {
        assert!(places::AREAS.len() <= WORDS * 64);
        assert!(places::AREAS.iter().all(|a| AreaId::of(a.name).is_some()));
    }

    #[test]
    fn a_set_holds_exactly_what_was_put_in_it() {
        let mut set = AreaSet::default();
        let last = AreaId::of(places::AREAS[places::AREAS.len() - 1].name).unwrap();
        let first = AreaId::of(places::AREAS[0].name).unwrap();
        set.insert(last);
        assert!(set.contains(last));
        assert!(!set.contains(first));
    }
}
