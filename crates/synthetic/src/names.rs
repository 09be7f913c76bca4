//! Invented people's names and places: common UK first names and surnames from many
//! backgrounds, generic street and school names. No entry stands for anyone real; combinations
//! are drawn at random.
//!
//! The lists are kept apart on purpose: children's first names (which appear in profile text)
//! share nothing with the adults' first names or the surnames (which are confidential and which
//! the confidentiality scanner looks for), and no surname is an ordinary English word ("Brown",
//! "Hill", "Foster") that a profile might use — a test proves the lists disjoint.

use kinlink_domain::child::Gender;

pub(crate) const GIRLS: &[&str] = &[
    "Olivia", "Amelia", "Isla", "Ava", "Mia", "Ivy", "Lily", "Isabella", "Sophia", "Freya",
    "Florence", "Evie", "Ella", "Poppy", "Ruby", "Chloe", "Zara", "Aisha", "Maryam", "Fatima",
    "Amira", "Hana", "Layla", "Nia", "Imani", "Amara", "Zuri", "Esme", "Lola", "Millie", "Phoebe",
    "Sienna", "Harper", "Elsie", "Alice", "Emily", "Erin", "Niamh", "Maja", "Zofia", "Lena",
    "Oliwia", "Anaya", "Priya", "Aaliyah", "Kiara", "Leah", "Eva", "Matilda", "Orla", "Thea",
    "Nell", "Bella", "Ayesha", "Khadija", "Halima", "Tia", "Keira", "Lacey", "Darcie",
];

pub(crate) const BOYS: &[&str] = &[
    "Oliver", "George", "Noah", "Arthur", "Leo", "Oscar", "Harry", "Theo", "Freddie", "Alfie",
    "Archie", "Henry", "Charlie", "Jacob", "Isaac", "Finley", "Tommy", "Teddy", "Reggie", "Ronnie",
    "Albie", "Mohammed", "Yusuf", "Ibrahim", "Zayn", "Adam", "Ayaan", "Kofi", "Kwame", "Tobi",
    "Malachi", "Elijah", "Jayden", "Reuben", "Ezra", "Louie", "Jaxon", "Kai", "Ethan", "Dylan",
    "Callum", "Riley", "Harvey", "Jude", "Rory", "Stanley", "Jakub", "Filip", "Mateo", "Luca",
    "Rohan", "Arjun", "Tariq", "Bilal", "Ollie", "Sonny", "Joshua", "Tyler", "Kayden", "Logan",
];

/// First names for children who are neither a girl nor a boy, or who have not said.
pub(crate) const EITHER: &[&str] = &["Alex", "Sam", "Jordan", "Jesse", "Remi", "Rowan", "Ari"];

pub(crate) const WOMEN: &[&str] = &[
    "Kayleigh",
    "Danielle",
    "Gemma",
    "Jade",
    "Leanne",
    "Stacey",
    "Chantelle",
    "Natalie",
    "Shannon",
    "Kerry",
    "Lauren",
    "Samantha",
    "Nicola",
    "Tasha",
    "Shanice",
    "Bethany",
    "Kirsty",
    "Jodie",
    "Nadia",
    "Shazia",
    "Ewa",
    "Agnieszka",
    "Sarah",
    "Rachel",
    "Helen",
    "Claire",
    "Joanne",
    "Fiona",
    "Ngozi",
    "Adaeze",
    "Farah",
    "Sadia",
    "Anita",
    "Katarzyna",
    "Siobhan",
    "Ruth",
    "Catherine",
    "Rebecca",
    "Yasmin",
    "Abena",
];

pub(crate) const MEN: &[&str] = &[
    "Dean",
    "Craig",
    "Wayne",
    "Shane",
    "Darren",
    "Jason",
    "Kyle",
    "Aaron",
    "Nathan",
    "Carl",
    "Stuart",
    "Ricky",
    "Imran",
    "Tomasz",
    "Marcin",
    "Emeka",
    "Tyrone",
    "Gareth",
    "Simon",
    "Andrew",
    "Matthew",
    "David",
    "Richard",
    "Daniel",
    "Michael",
    "Christopher",
    "Jonathan",
    "Neil",
    "Kamran",
    "Rajesh",
    "Chinedu",
    "Kwabena",
    "Piotr",
    "Declan",
    "Ciaran",
    "Hamza",
];

/// Grandparents' generation.
pub(crate) const GRANDMOTHERS: &[&str] = &[
    "Linda", "Susan", "Karen", "Julie", "Tracey", "Sharon", "Brenda", "Pauline", "Barbara",
    "Yvonne", "Nasreen", "Parveen",
];
pub(crate) const GRANDFATHERS: &[&str] = &[
    "Paul", "Gary", "Steven", "Keith", "Derek", "Colin", "Trevor", "Clive", "Winston", "Bashir",
];

pub(crate) const SURNAMES: &[&str] = &[
    "Smith",
    "Jones",
    "Williams",
    "Davies",
    "Evans",
    "Johnson",
    "Roberts",
    "Robinson",
    "Thompson",
    "Wilson",
    "Wright",
    "Hughes",
    "Edwards",
    "Harris",
    "Jackson",
    "Clarke",
    "Cooper",
    "Morris",
    "Watson",
    "Harrison",
    "Patel",
    "Allen",
    "Mitchell",
    "Anderson",
    "Phillips",
    "Parker",
    "Davis",
    "Khan",
    "Hussain",
    "Begum",
    "Rahman",
    "Chowdhury",
    "Iqbal",
    "Mahmood",
    "Okafor",
    "Mensah",
    "Osei",
    "Adeyemi",
    "Okoro",
    "Nowak",
    "Kowalski",
    "Wisniewski",
    "Popescu",
    "Ionescu",
    "Kaya",
    "Yilmaz",
    "Nguyen",
    "Chen",
    "Wong",
    "Murphy",
    "O'Brien",
    "O'Connor",
    "McDonald",
    "Campbell",
    "Stewart",
    "Robertson",
    "Fraser",
    "Shaw",
    "Lloyd",
    "Griffiths",
    "Chapman",
    "Marshall",
    "Fletcher",
    "Palmer",
    "Richardson",
    "Gibson",
    "Holmes",
    "Atkinson",
    "Pearson",
    "Hudson",
    "Dixon",
    "Lawson",
    "Simpson",
    "Webb",
    "Rogers",
    "Matthews",
    "Kennedy",
    "Duffy",
    "Sharma",
    "Singh",
    "Kaur",
    "Gill",
    "Walsh",
    "Byrne",
    "McCarthy",
    "Sutherland",
    "Pritchard",
    "Jenkins",
    "Howell-Jones",
    "Ferreira",
    "Da Silva",
    "Boateng",
    "Asante",
    "Bello",
    "Abdi",
    "Abdullahi",
];

/// The first-name list for a child of this gender.
pub(crate) fn first_names(gender: Gender) -> &'static [&'static str] {
    match gender {
        Gender::Girl => GIRLS,
        Gender::Boy => BOYS,
        Gender::Other => EITHER,
    }
}

pub(crate) const STREETS: &[&str] = &[
    "Elm",
    "Oak",
    "Beech",
    "Chestnut",
    "Sycamore",
    "Rowan",
    "Hawthorn",
    "Laburnum",
    "Mill",
    "Church",
    "Station",
    "Victoria",
    "Albert",
    "Queens",
    "Kings",
    "Orchard",
    "Meadow",
    "Brook",
    "Springfield",
    "Highfield",
    "Westfield",
    "Manor",
    "Grange",
    "Park",
    "Bridge",
    "Castle",
    "Holly",
    "Cedar",
    "Poplar",
    "Cherry Tree",
];

pub(crate) const STREET_KINDS: &[&str] = &[
    "Road", "Street", "Lane", "Avenue", "Close", "Drive", "Crescent", "Way", "Grove", "Gardens",
];

/// Invented school names: the first part, to go before "Primary School" and the like.
pub(crate) const SCHOOL_NAMES: &[&str] = &[
    "Oakfield",
    "Meadowbank",
    "Brookside",
    "Hillcrest",
    "Riverside",
    "Ashgrove",
    "Beechwood",
    "Fernhill",
    "Kingsmead",
    "Larkrise",
    "Millbrook",
    "Northgate",
    "Parkside",
    "Rosewood",
    "Southlands",
    "Thornbury",
    "Westbrook",
    "Woodlands",
    "Greenacres",
    "Hollybank",
];

pub(crate) const NURSERIES: &[&str] = &[
    "Little Acorns Nursery",
    "Rainbow Day Nursery",
    "Sunflower Nursery",
    "Tiny Steps Pre-School",
    "Bluebell Playgroup",
    "Ladybird Nursery",
];

/// Letters Royal Mail uses at the end of a postcode.
pub(crate) const INWARD_LETTERS: &[u8] = b"ABDEFGHJLNPQRSTUWXYZ";
pub(crate) const POSTCODE_AREAS: &[&str] = &[
    "LS", "M", "B", "NE", "BS", "NG", "S", "L", "SK", "OL", "BD", "CV", "DE", "PL",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lists_do_not_share_a_name() {
        let lists: [(&str, &[&str]); 8] = [
            ("girls", GIRLS),
            ("boys", BOYS),
            ("either", EITHER),
            ("women", WOMEN),
            ("men", MEN),
            ("grandmothers", GRANDMOTHERS),
            ("grandfathers", GRANDFATHERS),
            ("surnames", SURNAMES),
        ];
        let mut seen = std::collections::HashMap::new();
        for (list, names) in lists {
            for name in names {
                for part in name.split(['-', ' ', '\'']) {
                    if part.len() < 3 {
                        continue;
                    }
                    let key = part.to_lowercase();
                    if let Some(other) = seen.insert(key, list) {
                        assert_eq!(other, list, "{part} is in both {other} and {list}");
                    }
                }
            }
        }
    }
}
