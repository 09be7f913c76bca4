//! Local authority areas in England, their regions and their neighbours: where children come
//! from, where families live, and the areas a child's family must not live in (by default the
//! child's own area and the areas next to it).
//!
//! Public geography only. Neighbours are areas that share a boundary, as a family finder would
//! reckon "nearby"; the table is symmetric (a test proves it).

/// One local authority area.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Area {
    pub name: &'static str,
    pub region: &'static str,
    pub neighbours: &'static [&'static str],
}

/// England's nine regions, in the order forms list them.
pub const REGIONS: [&str; 9] = [
    "North East",
    "North West",
    "Yorkshire and the Humber",
    "East Midlands",
    "West Midlands",
    "East of England",
    "London",
    "South East",
    "South West",
];

pub static AREAS: &[Area] = &[
    Area {
        name: "Cumbria",
        region: "North West",
        neighbours: &["Lancashire", "Northumberland", "Durham", "North Yorkshire"],
    },
    Area {
        name: "Lancashire",
        region: "North West",
        neighbours: &[
            "Cumbria",
            "North Yorkshire",
            "Blackpool",
            "Blackburn with Darwen",
        ],
    },
    Area {
        name: "Blackpool",
        region: "North West",
        neighbours: &["Lancashire"],
    },
    Area {
        name: "Blackburn with Darwen",
        region: "North West",
        neighbours: &["Lancashire"],
    },
    Area {
        name: "North Yorkshire",
        region: "Yorkshire and the Humber",
        neighbours: &["Cumbria", "Lancashire", "Durham"],
    },
    Area {
        name: "Northumberland",
        region: "North East",
        neighbours: &["Cumbria", "Durham"],
    },
    Area {
        name: "Durham",
        region: "North East",
        neighbours: &["Cumbria", "Northumberland", "North Yorkshire"],
    },
    Area {
        name: "Kent",
        region: "South East",
        neighbours: &["Medway", "East Sussex"],
    },
    Area {
        name: "Medway",
        region: "South East",
        neighbours: &["Kent"],
    },
    Area {
        name: "East Sussex",
        region: "South East",
        neighbours: &["Kent"],
    },
];

/// The area of that name (exact, as listed).
pub fn area(name: &str) -> Option<&'static Area> {
    AREAS.iter().find(|a| a.name == name)
}

pub fn is_known(name: &str) -> bool {
    area(name).is_some()
}

/// The default areas a child's family must not live in: the child's own and its neighbours.
pub fn default_exclusions(home: &str) -> Vec<String> {
    match area(home) {
        Some(a) => std::iter::once(a.name)
            .chain(a.neighbours.iter().copied())
            .map(str::to_owned)
            .collect(),
        None => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn neighbours_are_known_symmetric_and_regions_are_englands() {
        for a in AREAS {
            assert!(
                REGIONS.contains(&a.region),
                "{} has region {}",
                a.name,
                a.region
            );
            for n in a.neighbours {
                let other =
                    area(n).unwrap_or_else(|| panic!("{}'s neighbour {n} is not listed", a.name));
                assert!(
                    other.neighbours.contains(&a.name),
                    "{n} does not list {} back",
                    a.name
                );
            }
        }
    }

    #[test]
    fn default_exclusions_are_the_area_and_its_neighbours() {
        assert_eq!(default_exclusions("Medway"), ["Medway", "Kent"]);
        assert!(default_exclusions("Atlantis").is_empty());
    }
}
