//! The phrases profiles are written from: warm, ordinary sentences about personality, interests,
//! routines and what a child needs from a family, in the style family finders use.
//!
//! Templates carry `{tokens}` filled by [`fill`]: `{name}`, `{He}`/`{he}`, `{him}`, `{His}`/`{his}`,
//! `{self}` and `{kid}` for one child; `{names}`, `{kin}`, `{count}`, `{all}`, `{eldest}`,
//! `{youngest}` and `{eldest_kin}` for a sibling group; `{We}`/`{we}`, `{Our}`/`{our}`, `{us}`,
//! `{are}`, `{were}` and `{ourselves}` for a household.
//!
//! None of them may name a school, a place, a street, a date or a person other than the child:
//! the crate's tests run every generated profile through the confidentiality scanner. They also
//! avoid digits, and words that double as names in [`crate::names`].

/// A sentence and the ages it suits.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Line {
    pub bands: u8,
    pub text: &'static str,
}

/// Under one.
pub(crate) const BABY: u8 = 1;
/// One and two.
pub(crate) const TODDLER: u8 = 2;
/// Three and four.
pub(crate) const PRESCHOOL: u8 = 4;
/// Five to ten.
pub(crate) const SCHOOL: u8 = 8;
/// Eleven and over.
pub(crate) const TEEN: u8 = 16;
pub(crate) const YOUNG: u8 = BABY | TODDLER | PRESCHOOL;
pub(crate) const WALKING: u8 = TODDLER | PRESCHOOL | SCHOOL | TEEN;
pub(crate) const TALKING: u8 = PRESCHOOL | SCHOOL | TEEN;
pub(crate) const ANY: u8 = BABY | TODDLER | PRESCHOOL | SCHOOL | TEEN;

/// The band of an age in months.
pub(crate) fn band(months: u32) -> u8 {
    match months {
        0..12 => BABY,
        12..36 => TODDLER,
        36..60 => PRESCHOOL,
        60..132 => SCHOOL,
        _ => TEEN,
    }
}

const fn l(bands: u8, text: &'static str) -> Line {
    Line { bands, text }
}

/// Replaces each `{token}` with its value; unknown tokens are left as they are (a test looks
/// for leftover braces).
pub(crate) fn fill(template: &str, values: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(template.len() + 32);
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        match after.find('}') {
            Some(close) => {
                let token = &after[..close];
                match values.iter().find(|(k, _)| *k == token) {
                    Some((_, v)) => out.push_str(v),
                    None => {
                        out.push('{');
                        out.push_str(token);
                        out.push('}');
                    }
                }
                rest = &after[close + 1..];
            }
            None => {
                out.push_str(&rest[open..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

pub(crate) const OPENINGS: &[Line] = &[
    l(
        BABY,
        "{name} is a contented baby with a big gummy smile who loves being held close.",
    ),
    l(
        BABY,
        "{name} is a calm, curious baby who watches everything going on around {him}.",
    ),
    l(
        BABY,
        "{name} is a smiley little {kid} who settles best when snuggled in close to a familiar adult.",
    ),
    l(
        BABY,
        "{name} is a gentle baby who is starting to babble and coo at anyone who talks to {him}.",
    ),
    l(
        BABY,
        "{name} is a bright-eyed, alert baby who loves company and is happiest in the middle of things.",
    ),
    l(
        BABY | TODDLER,
        "{name} is a sturdy, cheerful little {kid} who greets the world with a grin.",
    ),
    l(
        TODDLER,
        "{name} is a busy, bubbly toddler who is into everything.",
    ),
    l(
        TODDLER,
        "{name} is an affectionate little {kid} with a cheeky grin and a great sense of fun.",
    ),
    l(
        TODDLER,
        "{name} is a bright and determined toddler who likes to do things for {self}.",
    ),
    l(
        TODDLER,
        "{name} is a happy, chatty little {kid} who is always on the move.",
    ),
    l(
        TODDLER | PRESCHOOL,
        "{name} is a loving little {kid} who gives the best cuddles and enjoys being close to the adults {he} trusts.",
    ),
    l(
        PRESCHOOL,
        "{name} is a lively, imaginative {kid} who lights up a room.",
    ),
    l(
        PRESCHOOL,
        "{name} is a thoughtful and kind little {kid} who notices when others are sad.",
    ),
    l(
        PRESCHOOL,
        "{name} is a funny, energetic {kid} with a big laugh and lots of questions.",
    ),
    l(
        PRESCHOOL,
        "{name} is a sweet-natured {kid} who loves a cuddle and a story.",
    ),
    l(
        PRESCHOOL | SCHOOL,
        "{name} is a confident, sociable {kid} who makes friends easily and loves to be busy.",
    ),
    l(
        SCHOOL,
        "{name} is a warm, funny {kid} who loves making people laugh.",
    ),
    l(
        SCHOOL,
        "{name} is a curious and caring {kid} who asks big questions about the world.",
    ),
    l(
        SCHOOL,
        "{name} is an active, outdoorsy {kid} who is happiest running around in the fresh air.",
    ),
    l(
        SCHOOL,
        "{name} is a creative, gentle {kid} who can spend hours drawing and making things.",
    ),
    l(
        SCHOOL,
        "{name} is a loyal and thoughtful {kid} who is a good friend to others.",
    ),
    l(
        SCHOOL | TEEN,
        "{name} is a chatty, expressive {kid} with a good memory for jokes and a kind heart.",
    ),
    l(
        TEEN,
        "{name} is a thoughtful young person with a dry sense of humour.",
    ),
    l(
        TEEN,
        "{name} is a kind, sporty young person who likes to keep busy.",
    ),
    l(
        TEEN,
        "{name} is an articulate young person who knows what {he} enjoys and is not afraid to say so.",
    ),
    l(
        TEEN,
        "{name} is a gentle, quietly funny young person who opens up once {he} feels safe.",
    ),
];

pub(crate) const INTERESTS: &[Line] = &[
    l(
        BABY,
        "{He} loves bath time and kicks {his} legs with delight when the water splashes.",
    ),
    l(
        BABY,
        "{He} enjoys lying on a play mat, reaching for bright toys and rattles.",
    ),
    l(
        BABY,
        "{He} is beginning to recognise familiar faces and saves the biggest smiles for the people {he} knows best.",
    ),
    l(
        BABY,
        "Music calms {him}, especially gentle songs at bedtime.",
    ),
    l(
        BABY,
        "{He} loves being carried in a sling on walks and watching the trees overhead.",
    ),
    l(
        BABY,
        "{He} has recently discovered {his} feet and finds them endlessly interesting.",
    ),
    l(
        BABY,
        "{He} loves peekaboo and laughs out loud when a face pops out from behind a blanket.",
    ),
    l(
        BABY | TODDLER,
        "{He} loves board books with flaps and textures to touch.",
    ),
    l(
        TODDLER,
        "{He} loves splashing in puddles, feeding the ducks and anything with wheels.",
    ),
    l(
        TODDLER,
        "{He} adores picture books and will bring the same favourite one over again and again.",
    ),
    l(
        TODDLER,
        "Bubbles, building blocks and songs with actions are among {his} favourite things.",
    ),
    l(
        TODDLER,
        "{He} has a growing list of words and loves to copy the grown-ups around {him}.",
    ),
    l(
        TODDLER,
        "{He} enjoys trips to the park, especially the swings and the slide.",
    ),
    l(
        TODDLER,
        "{He} is a keen helper and loves to join in with tidying up and putting the shopping away.",
    ),
    l(
        TODDLER,
        "Animals fascinate {him}, and {he} giggles at every dog and cat {he} meets.",
    ),
    l(
        TODDLER | PRESCHOOL,
        "{He} loves rough-and-tumble play and being chased around the garden.",
    ),
    l(
        TODDLER | PRESCHOOL,
        "{He} enjoys playgroup sessions, where {he} loves the water tray and the sandpit.",
    ),
    l(
        PRESCHOOL,
        "{He} loves dressing up, messy play and making dens out of blankets.",
    ),
    l(
        PRESCHOOL,
        "{He} enjoys nursery, where {he} has made friends and is always first to the painting table.",
    ),
    l(
        PRESCHOOL,
        "{He} can recognise some letters and loves to count everything {he} sees.",
    ),
    l(
        PRESCHOOL,
        "Dinosaurs are a current passion, and {he} knows the names of more of them than most adults do.",
    ),
    l(
        PRESCHOOL | SCHOOL,
        "{He} loves to help with baking and is very proud when the cakes come out of the oven.",
    ),
    l(
        PRESCHOOL,
        "{He} enjoys riding {his} scooter and is getting braver every week.",
    ),
    l(
        PRESCHOOL,
        "Stories at bedtime are a special time, and {he} likes to join in with the words {he} knows.",
    ),
    l(
        PRESCHOOL,
        "{He} has a vivid imagination and loves playing with small-world toys and puppets.",
    ),
    l(
        SCHOOL,
        "{He} enjoys school, especially art and anything to do with animals.",
    ),
    l(
        SCHOOL,
        "{He} loves swimming and has recently started to swim without armbands.",
    ),
    l(
        SCHOOL,
        "Football is a big love, and {he} will happily kick a ball around for hours.",
    ),
    l(
        SCHOOL,
        "{He} enjoys reading with an adult and likes funny books best.",
    ),
    l(
        SCHOOL,
        "{He} loves building with construction bricks and can follow quite complicated instructions.",
    ),
    l(
        SCHOOL,
        "{He} goes to a weekly drama club and loves being on stage.",
    ),
    l(
        SCHOOL | TEEN,
        "{He} enjoys cooking simple meals with {his} carers and is proud to share what {he} has made.",
    ),
    l(
        SCHOOL,
        "{He} likes nature walks, collecting conkers and hunting for minibeasts.",
    ),
    l(
        SCHOOL,
        "{He} is learning to ride a bike and is very proud of how far {he} has come.",
    ),
    l(
        SCHOOL,
        "Dancing to music in the kitchen is one of {his} favourite ways to spend an evening.",
    ),
    l(
        SCHOOL,
        "{He} has a soft spot for animals and loves helping to look after the family rabbit.",
    ),
    l(
        SCHOOL,
        "{He} enjoys board games and card games, and is becoming a gracious loser.",
    ),
    l(
        TEEN,
        "{He} enjoys gaming with friends, music and spending time outdoors.",
    ),
    l(
        TEEN,
        "{He} is a talented artist and keeps a sketchbook full of drawings.",
    ),
    l(
        TEEN,
        "{He} plays football for a team and trains twice a week.",
    ),
    l(
        TEEN,
        "{He} loves animals and would like to work with them one day.",
    ),
    l(
        TEEN,
        "{He} is interested in music and is learning to play the guitar.",
    ),
    l(
        TEEN,
        "{He} likes swimming, cycling and spending time with a small group of close friends.",
    ),
    l(
        TEEN,
        "{He} is a keen reader of graphic novels and can talk about them for hours.",
    ),
];

pub(crate) const ROUTINES: &[Line] = &[
    l(
        WALKING,
        "{He} does best with a predictable routine and likes to know what is coming next.",
    ),
    l(
        BABY | TODDLER,
        "{He} sleeps well in {his} own cot and usually wakes happy in the morning.",
    ),
    l(
        WALKING,
        "{He} has a good appetite and will try most foods, although vegetables are still a negotiation.",
    ),
    l(
        TODDLER | PRESCHOOL | SCHOOL,
        "Bedtime goes smoothly when it follows the same pattern each night: bath, story and a song.",
    ),
    l(
        ANY,
        "{He} takes a little time to settle in new places, but warms up quickly with gentle encouragement.",
    ),
    l(
        PRESCHOOL | SCHOOL,
        "Mornings can be a rush, so {his} carers use a picture timetable to help {him} get ready.",
    ),
    l(
        BABY,
        "{He} feeds well and has settled into a good routine of naps during the day.",
    ),
    l(
        BABY | TODDLER | PRESCHOOL,
        "{He} likes to have a favourite soft toy close by when {he} goes to sleep.",
    ),
    l(
        TALKING,
        "{He} manages changes best when they are explained calmly and in advance.",
    ),
    l(
        TEEN,
        "{He} likes some time to {self} after a busy day, and then is happy to chat over tea.",
    ),
];

pub(crate) const FAMILY_NEEDS: &[Line] = &[
    l(
        ANY,
        "{name} needs a loving, patient family who will give {him} the time and attention {he} deserves.",
    ),
    l(
        WALKING,
        "{He} would thrive with parents who enjoy outdoor adventures and can offer lots of one-to-one time.",
    ),
    l(
        ANY,
        "{His} social worker is looking for a family who will keep {his} story alive and help {him} understand where {he} came from.",
    ),
    l(
        ANY,
        "A family with a sense of humour and plenty of patience would be perfect for {him}.",
    ),
    l(
        WALKING,
        "{He} needs a family who can stay calm when things are hard and who will never give up on {him}.",
    ),
    l(
        ANY,
        "{name} will need parents who are open to learning about therapeutic parenting and who will ask for support when they need it.",
    ),
    l(
        TALKING,
        "{He} needs a family who will listen, be consistent and show {him} every day that {he} belongs.",
    ),
    l(
        YOUNG,
        "{name} needs a nurturing family who will enjoy every stage of {his} early years with {him}.",
    ),
];

pub(crate) const HERITAGE: &[Line] = &[
    l(
        ANY,
        "{He} needs a family who will celebrate {his} heritage and help {him} feel proud of who {he} is.",
    ),
    l(
        ANY,
        "{His} new family will need to help {him} stay connected to {his} culture, food, music and history.",
    ),
    l(
        ANY,
        "It matters that {his} family can reflect {his} identity or can build strong links with people who share it.",
    ),
];

pub(crate) const CLOSINGS: &[Line] = &[
    l(
        ANY,
        "{name} has so much love to give, and {his} carers are sure {he} will bring great joy to {his} new family.",
    ),
    l(ANY, "Everyone who meets {name} comments on {his} smile."),
    l(ANY, "{name} is ready for a family of {his} own."),
    l(
        ANY,
        "If you think you could be the family for {name}, {his} social worker would love to hear from you.",
    ),
    l(
        ANY,
        "{His} carers say that looking after {him} has been a privilege.",
    ),
];

pub(crate) const GROUP_OPENINGS: &[&str] = &[
    "{names} are {kin} who share a close and loving bond.",
    "{names} are lively, affectionate {kin} who love being together.",
    "{names} are {kin} who have always lived together and are clearly devoted to each other.",
    "Meet {names}: {count} funny, energetic {kin} looking for a family to grow up in together.",
    "{names} are {kin} with big personalities and even bigger hearts.",
    "{names} are {count} warm and playful {kin} who bring out the best in each other.",
];

/// About a sibling group together; the bands are the youngest child's.
pub(crate) const GROUP_TOGETHER: &[Line] = &[
    l(
        ANY,
        "{eldest} is a caring big {eldest_kin} and is often seen helping {youngest}.",
    ),
    l(
        WALKING,
        "Weekends are for trips to the park, building dens and long walks together.",
    ),
    l(
        WALKING,
        "They enjoy cooking with their foster carers, watching films snuggled on the sofa and playing in the garden.",
    ),
    l(YOUNG, "Bath time is noisy, splashy and full of giggles."),
    l(
        ANY,
        "They are used to a busy household and cope well with a lively home.",
    ),
    l(
        ANY,
        "Their foster carers describe them as a joy, and say the house will feel very quiet without them.",
    ),
    l(
        WALKING,
        "They have their squabbles like any {kin}, but they always look out for one another.",
    ),
    l(
        ANY,
        "{youngest} lights up whenever {eldest} comes into the room.",
    ),
];

pub(crate) const GROUP_FAMILY_NEEDS: &[&str] = &[
    "{names} need a family who can give each of them individual attention while keeping them together.",
    "They need parents with the energy to keep up with {count} busy children and the patience to meet each child's needs.",
    "Their social worker is looking for a family who will help them keep their shared story alive.",
    "They would thrive in a home with space to play outdoors and adults who enjoy family adventures.",
    "It is very important that {names} grow up together, and the right family will treasure the bond they share.",
];

pub(crate) const GROUP_HERITAGE: &[&str] = &[
    "They need a family who will celebrate their heritage and help them feel proud of who they are.",
    "Their new family will need to help them stay connected to their culture and to people who share it.",
];

pub(crate) const GROUP_CLOSINGS: &[&str] = &[
    "{names} have so much to offer, and their carers are sure they will bring great joy to a family.",
    "Could you be the family {names} are waiting for?",
    "{All} of them are ready for a family of their own, together.",
];

/// A sentence for the profile text about a need at this level (`None` when there is nothing
/// to say). `which` picks a variant.
pub(crate) fn need_sentence(
    category: kinlink_domain::profile::NeedCategory,
    level: kinlink_domain::profile::NeedLevel,
    band: u8,
    which: usize,
) -> Option<&'static str> {
    use kinlink_domain::profile::{NeedCategory as C, NeedLevel as L};
    let options: &[&str] = match (category, level) {
        (C::TraumaHistory, L::Low) => &[
            "Like many children who wait for adoption, {name} had a difficult start, and {he} will need reassurance as {he} grows.",
        ],
        (C::TraumaHistory, L::Medium | L::High) => &[
            "{name} experienced neglect early in life, and {he} will need patient, therapeutic parenting to feel safe.",
            "Because of what happened before {he} came into care, {name} needs adults who will stay close and calm, especially when {he} pushes them away.",
        ],
        (C::EmotionalAndBehavioural, L::Medium | L::High) if band & TALKING != 0 => &[
            "When {he} feels worried {he} can become cross or withdrawn, and {he} needs calm adults who can help {him} make sense of big feelings.",
            "{He} sometimes finds it hard to share adult attention and can test boundaries, so {he} needs a family who will be kind and consistent.",
        ],
        (C::EmotionalAndBehavioural, L::Medium | L::High) => &[
            "{He} can become very upset when routines change and needs lots of comfort to settle.",
        ],
        (C::DevelopmentalUncertainty, L::Medium | L::High) => &[
            "It is too early to know how {his} development will unfold, so {his} new family will need to be comfortable with some uncertainty.",
            "Some of {his} early history means {his} future needs are not yet clear, and {his} family will need to take things as they come.",
        ],
        (C::Fasd, L::Low | L::Medium | L::High) => &[
            "{He} was exposed to alcohol before birth, and {he} may have needs related to this that become clearer as {he} grows.",
        ],
        (C::LearningDisabilityOrDevelopmentalDelay, L::Medium) => &[
            "{He} has some delay in {his} speech and language and is making good progress with extra support.",
        ],
        (C::LearningDisabilityOrDevelopmentalDelay, L::High) => &[
            "{He} has a learning disability and will need support throughout {his} life from a family who will champion {him}.",
        ],
        (C::PhysicalDisability, L::High) => &[
            "{He} has cerebral palsy and uses a wheelchair for longer distances, so {he} will need a home that is accessible or can be adapted.",
            "{He} has a physical disability that affects {his} mobility and uses specialist seating and a standing frame.",
            "{He} has spina bifida and needs help with {his} personal care, which {his} carers will show {his} new family.",
        ],
        (C::PhysicalHealth, L::Medium | L::High) => &[
            "{He} has a heart condition that is monitored by specialists and needs regular hospital appointments.",
            "{He} has asthma and eczema, which are well managed with a daily routine of inhalers and creams.",
        ],
        _ => &[],
    };
    options.get(which % options.len().max(1)).copied()
}

/// The worker's note on one of a child's needs.
pub(crate) fn need_note(
    category: kinlink_domain::profile::NeedCategory,
    level: kinlink_domain::profile::NeedLevel,
    which: usize,
) -> &'static str {
    use kinlink_domain::profile::{NeedCategory as C, NeedLevel as L};
    let options: &[&str] = match (category, level) {
        (C::PhysicalHealth, L::Low) => &[
            "Mild eczema, managed with creams.",
            "Occasional chest infections; otherwise healthy.",
        ],
        (C::PhysicalHealth, L::Medium) => &[
            "Asthma, managed with inhalers; reviewed every six months.",
            "A food allergy that needs an adrenaline pen to hand.",
        ],
        (C::PhysicalHealth, _) => {
            &["A heart condition under specialist care, with surgery likely in the coming years."]
        }
        (C::PhysicalDisability, L::Low) => &[
            "Wears glasses and has a mild squint.",
            "Mild hearing loss in one ear; no aids needed at present.",
        ],
        (C::PhysicalDisability, L::Medium) => &[
            "Walks with splints and tires over long distances.",
            "Has a hearing impairment and uses hearing aids.",
        ],
        (C::PhysicalDisability, _) => &[
            "Uses a wheelchair and needs help with personal care and transfers.",
            "Cerebral palsy affecting both legs; has physiotherapy weekly.",
        ],
        (C::LearningDisabilityOrDevelopmentalDelay, L::Low) => {
            &["A little behind with speech; receiving some extra support."]
        }
        (C::LearningDisabilityOrDevelopmentalDelay, L::Medium) => {
            &["Global developmental delay; has an education plan in progress."]
        }
        (C::LearningDisabilityOrDevelopmentalDelay, _) => {
            &["Severe learning disability; will need lifelong support."]
        }
        (C::Fasd, L::Low) => &["Alcohol use in pregnancy suspected but not confirmed."],
        (C::Fasd, _) => {
            &["Confirmed alcohol exposure in pregnancy; assessment for FASD under way."]
        }
        (C::EmotionalAndBehavioural, L::Low) => &[
            "Can be clingy at times of change.",
            "Occasional tantrums when tired.",
        ],
        (C::EmotionalAndBehavioural, L::Medium) => &[
            "Controlling behaviour when anxious; responds well to calm routine.",
            "Finds transitions hard and can lash out when overwhelmed.",
        ],
        (C::EmotionalAndBehavioural, _) => {
            &["Significant distress and aggression at times; CAMHS involved."]
        }
        (C::DevelopmentalUncertainty, L::Low) => {
            &["Meeting milestones so far; some family history of mental ill health."]
        }
        (C::DevelopmentalUncertainty, L::Medium) => &[
            "Born early; too soon to know the long-term effects.",
            "Family history of learning disability; development being watched.",
        ],
        (C::DevelopmentalUncertainty, _) => {
            &["Significant drug exposure in pregnancy; outcomes uncertain."]
        }
        (C::TraumaHistory, L::Low) => &["Came into care shortly after birth."],
        (C::TraumaHistory, L::Medium) => &["Neglect in the early years before coming into care."],
        (C::TraumaHistory, _) => {
            &["Experienced neglect and exposure to domestic abuse over several years."]
        }
    };
    options
        .get(which % options.len().max(1))
        .copied()
        .unwrap_or("")
}

// ---------------------------------------------------------------------------------------------
// Households

pub(crate) const HOUSEHOLD_COUPLE_INTROS: &[&str] = &[
    "We are a warm, outdoorsy couple who have been together for many years and are ready to share our home with a child.",
    "We met through friends, have been together for a long time and have always talked about having a family.",
    "We are a relaxed, sociable couple who love a busy house full of laughter, music and good food.",
    "We are a calm and patient couple who have spent the last couple of years preparing to become parents through adoption.",
    "We are a down-to-earth couple who love the outdoors, good company and a house full of noise.",
    "We have been married for some years and have built a settled, happy home that now feels ready for children.",
];

pub(crate) const HOUSEHOLD_SINGLE_INTROS: &[&str] = &[
    "I am a single adopter with a busy, happy life and a lot of love to give.",
    "I am an energetic, practical person who has always known I wanted to be a parent, and adoption feels like the right way for me.",
    "I am a calm, organised person with a close circle of friends and family who are excited to welcome a child.",
    "I am a cheerful, active single adopter who loves the outdoors and has plenty of time and patience to give.",
];

pub(crate) const HOUSEHOLD_HOMES: &[&str] = &[
    "{We} live in a three-bedroom semi in a quiet village, with a garden big enough for a swing and a football goal.",
    "{Our} home is a terraced house on a friendly street close to a big park and a playground.",
    "{We} live on the edge of a busy market town, with shops, a library and a swimming pool a short walk away.",
    "{Our} house is in a small town near the coast, and {we} spend a lot of time on the beach whatever the weather.",
    "{We} live in a family-friendly suburb on the edge of a city, with woodland walks right on {our} doorstep.",
    "{Our} home is a cosy cottage in the countryside with a long garden and views across the fields.",
];

pub(crate) const HOUSEHOLD_WORK_COUPLE: &[&str] = &[
    "One of us works as a {job} and the other is a {job2}, and {we} have both arranged to work flexibly once a child arrives.",
    "{We} work as a {job} and a {job2}, and one of us will take a year of adoption leave.",
    "One of us is a {job} and plans to take a long period of adoption leave; the other works as a {job2} with hours that fit around the school day.",
];

pub(crate) const HOUSEHOLD_WORK_SINGLE: &[&str] = &[
    "I work as a {job} and will take a full year of adoption leave, then return part-time.",
    "I am a {job}, and my employer has agreed flexible hours so that I can do the school run every day.",
];

pub(crate) const JOBS: &[&str] = &[
    "nurse",
    "primary school teacher",
    "electrician",
    "software developer",
    "firefighter",
    "care worker",
    "accountant",
    "bus driver",
    "librarian",
    "police officer",
    "chef",
    "shop manager",
    "charity worker",
    "physiotherapist",
    "gardener",
    "paramedic",
    "plumber",
    "teaching assistant",
    "civil servant",
    "midwife",
];

pub(crate) const HOUSEHOLD_SUPPORT: &[&str] = &[
    "{Our} parents live nearby and cannot wait to become grandparents; they have joined {us} on training days so that they understand what a child may need.",
    "{We} have a close network of friends with children of their own, and {our} brothers and sisters are already planning days out with their new niece or nephew.",
    "{Our} wider family is big, noisy and loving, and there is always someone to call on for help or a cup of tea.",
    "{We} have a small but strong support network: a couple of close friends who are adopters themselves, and family who visit often.",
];

pub(crate) const HOUSEHOLD_HOBBIES: &[&str] = &[
    "Weekends are spent walking, cycling and exploring the countryside, usually ending with a picnic or a hot chocolate.",
    "{We} love cooking together, growing vegetables in the garden and having friends round for long lunches.",
    "{We} enjoy swimming, camping in the summer and curling up with a film when it rains.",
    "Music is a big part of {our} life: there is always something playing in the kitchen, and {we} love singing badly.",
    "{We} like museums, rock pools, farm parks and anything that involves getting muddy.",
    "{We} are keen readers and love libraries, and {we} are looking forward to sharing bedtime stories.",
];

pub(crate) const HOUSEHOLD_COMMUNITY: &[&str] = &[
    "{We} sing in a friendly community choir and belong to a running club, and {our} neighbours are always popping round.",
    "{We} volunteer at a food bank once a month and hope to show a child how good it feels to help others.",
    "{We} belong to a welcoming faith community where there are lots of families with young children.",
    "{Our} street has lots of young families, and the children play out together on summer evenings.",
    "{We} help out at a youth football club at weekends and love the noise and energy of a team.",
];

pub(crate) const HOUSEHOLD_DAYS: &[&str] = &[
    "A typical Saturday starts with pancakes, followed by a walk with friends and an afternoon at the park or the swimming pool.",
    "Evenings at home are calm: {we} cook, eat together at the table and finish the day with a story or a board game.",
    "Holidays are usually spent camping or visiting family, and {we} love discovering new beaches and woods.",
    "Sundays are slow: a big breakfast, a long walk whatever the weather and a roast with whoever drops by.",
];

pub(crate) const HOUSEHOLD_WHY: &[&str] = &[
    "{We} have always wanted to be parents, and adoption has always been part of how {we} imagined {our} family.",
    "After some years of trying for a family, {we} came to adoption with open hearts and have never looked back.",
    "{We} have worked with children for years and know how much difference a stable, loving home can make.",
    "Adoption runs in {our} wider family, and {we} have seen first-hand how a child can flourish with the right support.",
];

pub(crate) const HOUSEHOLD_PREPARATION: &[&str] = &[
    "{We} have completed training on attachment, therapeutic parenting and the effects of early trauma, and {we} keep reading and learning.",
    "During {our} assessment {we} spent time volunteering with young children and learned a great deal about play, routines and patience.",
    "{We} have talked with adoptive parents about the hard days as well as the good ones, and {we} know to ask for help early.",
];

pub(crate) const HOUSEHOLD_PARENTING: &[&str] = &[
    "{We} believe in gentle, consistent boundaries, lots of praise and plenty of fun.",
    "{We} want {our} home to be a place where a child can be themselves, make mistakes and always be forgiven.",
    "{We} understand that behaviour is communication, and {we} will try to find out what a child is telling {us} before reacting.",
    "{We} will keep a child's life story alive, talk openly about adoption and support contact with the people who matter to them.",
];

pub(crate) const HOUSEHOLD_CLOSINGS: &[&str] = &[
    "{We} cannot wait to meet the child or children who will complete {our} family.",
    "{We} have so much love, time and energy to give, and {we} are ready to start this journey.",
    "{We} know adoption will bring challenges as well as joy, and {we} are ready for both.",
];

/// A household's openness to a need, and why (for the higher levels).
pub(crate) fn openness_reason(
    category: kinlink_domain::profile::NeedCategory,
    which: usize,
) -> &'static str {
    use kinlink_domain::profile::NeedCategory as C;
    let options: &[&str] = match category {
        C::PhysicalHealth => &[
            "One of us is a nurse and is confident managing medication and appointments.",
            "We have flexible work and can manage regular hospital visits.",
        ],
        C::PhysicalDisability => &[
            "Our home is on one level and we have cared for a relative who uses a wheelchair.",
            "We have experience of personal care through work and are happy to adapt our home.",
        ],
        C::LearningDisabilityOrDevelopmentalDelay => &[
            "We have a nephew with a learning disability and have seen what helps him thrive.",
            "We have worked in special education and know how to get the right support in place.",
        ],
        C::Fasd => &[
            "We have read widely about FASD and attended a specialist course.",
            "Friends of ours parent a child with FASD and we have spent a lot of time with them.",
        ],
        C::EmotionalAndBehavioural => &[
            "We have worked with children in care and know that behaviour is communication.",
            "We are calm under pressure and have a strong support network to lean on.",
        ],
        C::DevelopmentalUncertainty => &[
            "We are comfortable not knowing how a child will develop and will take things as they come.",
            "We have talked this through at length and are ready for whatever the future holds.",
        ],
        C::TraumaHistory => &[
            "We have completed therapeutic parenting training and have a strong support network.",
            "We have both attended trauma-informed parenting courses and have support from experienced adopters.",
        ],
    };
    options.get(which % options.len()).copied().unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fill_replaces_known_tokens_only() {
        assert_eq!(
            fill("{He} likes {his} {x}.", &[("He", "She"), ("his", "her")]),
            "She likes her {x}."
        );
        assert_eq!(fill("no tokens {", &[]), "no tokens {");
    }

    #[test]
    fn every_band_has_openings_interests_and_routines() {
        for b in [BABY, TODDLER, PRESCHOOL, SCHOOL, TEEN] {
            for (bank, name) in [
                (OPENINGS, "openings"),
                (INTERESTS, "interests"),
                (ROUTINES, "routines"),
                (FAMILY_NEEDS, "family needs"),
                (CLOSINGS, "closings"),
                (GROUP_TOGETHER, "together"),
            ] {
                let n = bank.iter().filter(|l| l.bands & b != 0).count();
                assert!(n >= 2, "band {b} has {n} {name}");
            }
        }
    }

    #[test]
    fn no_template_has_a_digit() {
        let all = OPENINGS
            .iter()
            .chain(INTERESTS)
            .chain(ROUTINES)
            .chain(FAMILY_NEEDS)
            .chain(HERITAGE)
            .chain(CLOSINGS)
            .chain(GROUP_TOGETHER)
            .map(|l| l.text)
            .chain(GROUP_OPENINGS.iter().copied());
        for text in all {
            assert!(!text.chars().any(|c| c.is_ascii_digit()), "{text}");
        }
    }
}
