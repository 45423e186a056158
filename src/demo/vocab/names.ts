/**
 * Given names and surnames by country: common names of each place, so the demo reads like a real
 * customer base (and fuzzy matchers meet real-world spelling: accents, hyphens, apostrophes).
 */
import type { Country } from './places.js';

const US_FIRST = [
  'James', 'Mary', 'Robert', 'Patricia', 'John', 'Jennifer', 'Michael', 'Linda', 'David', 'Elizabeth',
  'William', 'Barbara', 'Richard', 'Susan', 'Joseph', 'Jessica', 'Thomas', 'Sarah', 'Christopher', 'Karen',
  'Charles', 'Lisa', 'Daniel', 'Nancy', 'Matthew', 'Betty', 'Anthony', 'Sandra', 'Mark', 'Margaret',
  'Donald', 'Ashley', 'Steven', 'Kimberly', 'Andrew', 'Emily', 'Paul', 'Donna', 'Joshua', 'Michelle',
  'Kenneth', 'Carol', 'Kevin', 'Amanda', 'Brian', 'Melissa', 'George', 'Deborah', 'Timothy', 'Stephanie',
  'Ronald', 'Rebecca', 'Jason', 'Sharon', 'Edward', 'Laura', 'Jeffrey', 'Cynthia', 'Ryan', 'Dorothy',
  'Jacob', 'Amy', 'Gary', 'Kathleen', 'Nicholas', 'Angela', 'Eric', 'Shirley', 'Jonathan', 'Emma',
  'Stephen', 'Brenda', 'Larry', 'Pamela', 'Justin', 'Nicole', 'Scott', 'Anna', 'Brandon', 'Samantha',
  'Benjamin', 'Katherine', 'Samuel', 'Christine', 'Gregory', 'Debra', 'Alexander', 'Rachel', 'Patrick', 'Carolyn',
  'Frank', 'Janet', 'Raymond', 'Maria', 'Jack', 'Olivia', 'Dennis', 'Heather', 'Jerry', 'Helen',
  'Tyler', 'Catherine', 'Aaron', 'Diane', 'Jose', 'Julie', 'Adam', 'Victoria', 'Nathan', 'Joyce',
  'Henry', 'Lauren', 'Zachary', 'Kelly', 'Douglas', 'Christina', 'Peter', 'Ruth', 'Kyle', 'Joan',
  'Noah', 'Virginia', 'Ethan', 'Judith', 'Jeremy', 'Evelyn', 'Christian', 'Hannah', 'Walter', 'Andrea',
  'Keith', 'Megan', 'Austin', 'Cheryl', 'Roger', 'Jacqueline', 'Terry', 'Madison', 'Sean', 'Sophia',
  'Carlos', 'Sofia', 'Luis', 'Camila', 'Miguel', 'Valentina', 'Juan', 'Isabella', 'Diego', 'Lucia',
  'Wei', 'Mei', 'Jun', 'Hana', 'Hiroshi', 'Yuki', 'Min-jun', 'Ji-woo', 'Arjun', 'Priya',
  'Rahul', 'Ananya', 'Vikram', 'Aisha', 'Omar', 'Fatima', 'Malik', 'Imani', 'DeShawn', 'Keisha',
  'Tyrone', 'Aaliyah', 'Jamal', 'Ebony', 'Dmitri', 'Natasha', 'Mateo', 'Ximena', 'Thanh', 'Linh',
];

const US_LAST = [
  'Smith', 'Johnson', 'Williams', 'Brown', 'Jones', 'Garcia', 'Miller', 'Davis', 'Rodriguez', 'Martinez',
  'Hernandez', 'Lopez', 'Gonzalez', 'Wilson', 'Anderson', 'Thomas', 'Taylor', 'Moore', 'Jackson', 'Martin',
  'Lee', 'Perez', 'Thompson', 'White', 'Harris', 'Sanchez', 'Clark', 'Ramirez', 'Lewis', 'Robinson',
  'Walker', 'Young', 'Allen', 'King', 'Wright', 'Scott', 'Torres', 'Nguyen', 'Hill', 'Flores',
  'Green', 'Adams', 'Nelson', 'Baker', 'Hall', 'Rivera', 'Campbell', 'Mitchell', 'Carter', 'Roberts',
  'Gomez', 'Phillips', 'Evans', 'Turner', 'Diaz', 'Parker', 'Cruz', 'Edwards', 'Collins', 'Reyes',
  'Stewart', 'Morris', 'Morales', 'Murphy', 'Cook', 'Rogers', 'Gutierrez', 'Ortiz', 'Morgan', 'Cooper',
  'Peterson', 'Bailey', 'Reed', 'Kelly', 'Howard', 'Ramos', 'Kim', 'Cox', 'Ward', 'Richardson',
  'Watson', 'Brooks', 'Chavez', 'Wood', 'James', 'Bennett', 'Gray', 'Mendoza', 'Ruiz', 'Hughes',
  'Price', 'Alvarez', 'Castillo', 'Sanders', 'Patel', 'Myers', 'Long', 'Ross', 'Foster', 'Jimenez',
  'Powell', 'Jenkins', 'Perry', 'Russell', 'Sullivan', 'Bell', 'Coleman', 'Butler', 'Henderson', 'Barnes',
  'Gonzales', 'Fisher', 'Vasquez', 'Simmons', 'Romero', 'Jordan', 'Patterson', 'Alexander', 'Hamilton', 'Graham',
  'Reynolds', 'Griffin', 'Wallace', 'Moreno', 'West', 'Cole', 'Hayes', 'Bryant', 'Herrera', 'Gibson',
  'Ellis', 'Tran', 'Medina', 'Aguilar', 'Stevens', 'Murray', 'Ford', 'Castro', 'Marshall', 'Owens',
  'Harrison', 'Fernandez', 'McDonald', 'Woods', 'Washington', 'Kennedy', 'Wells', 'Vargas', 'Henry', 'Chen',
  'Wang', 'Li', 'Zhang', 'Liu', 'Yamamoto', 'Tanaka', 'Park', 'Choi', 'Shah', 'Singh',
  "O'Brien", "O'Connor", 'McCarthy', 'Van Dyke', 'De La Cruz', 'St. John', 'Nakamura', 'Okafor', 'Abdullah', 'Kowalski',
];

const GB_FIRST = [
  'Oliver', 'Amelia', 'George', 'Isla', 'Harry', 'Ava', 'Jack', 'Mia', 'Charlie', 'Ivy',
  'Jacob', 'Lily', 'Thomas', 'Isabella', 'Alfie', 'Rosie', 'Oscar', 'Sophia', 'William', 'Grace',
  'James', 'Freya', 'Henry', 'Florence', 'Leo', 'Willow', 'Arthur', 'Poppy', 'Archie', 'Evie',
  'Alexander', 'Charlotte', 'Joshua', 'Emily', 'Freddie', 'Ella', 'Theo', 'Daisy', 'Edward', 'Phoebe',
  'Samuel', 'Sienna', 'Finley', 'Matilda', 'Callum', 'Imogen', 'Rhys', 'Niamh', 'Ewan', 'Siobhan',
  'Gareth', 'Bethan', 'Declan', 'Aoife', 'Hamish', 'Eilidh', 'Rupert', 'Harriet', 'Nigel', 'Gillian',
];

const GB_LAST = [
  'Smith', 'Jones', 'Taylor', 'Brown', 'Williams', 'Wilson', 'Johnson', 'Davies', 'Patel', 'Robinson',
  'Wright', 'Thompson', 'Evans', 'Walker', 'White', 'Roberts', 'Green', 'Hall', 'Thomas', 'Clarke',
  'Jackson', 'Wood', 'Harris', 'Edwards', 'Turner', 'Martin', 'Cooper', 'Hill', 'Ward', 'Hughes',
  'Moore', 'Clark', 'King', 'Harrison', 'Lewis', 'Baker', 'Lee', 'Allen', 'Morris', 'Khan',
  'Scott', 'Watson', 'Davis', 'Parker', 'James', 'Bennett', 'Young', 'Phillips', 'Richardson', 'Mitchell',
  'Bailey', 'Carter', 'Cook', 'Singh', 'Shaw', 'Bell', 'Collins', 'Morgan', 'Kelly', 'Begum',
  'Miller', 'Cox', 'Hussain', 'Marshall', 'Simpson', 'Price', 'Anderson', 'Adams', 'Wilkinson', 'Ali',
  'Fitzgerald', 'MacDonald', 'Campbell', 'Murray', 'Reid', "O'Neill", 'Llewellyn', 'Pritchard', 'Ahmed', 'Chowdhury',
];

const DE_FIRST = [
  'Lukas', 'Mia', 'Leon', 'Emma', 'Finn', 'Hannah', 'Jonas', 'Sophia', 'Paul', 'Lea',
  'Elias', 'Lena', 'Ben', 'Marie', 'Felix', 'Anna', 'Maximilian', 'Laura', 'Noah', 'Lina',
  'Luis', 'Clara', 'Henry', 'Ella', 'Moritz', 'Johanna', 'Jan', 'Katharina', 'Tim', 'Julia',
  'Niklas', 'Sarah', 'Tobias', 'Lisa', 'Florian', 'Franziska', 'Stefan', 'Sabine', 'Andreas', 'Petra',
  'Thomas', 'Monika', 'Michael', 'Ursula', 'Wolfgang', 'Brigitte', 'Jürgen', 'Renate', 'Klaus', 'Birgit',
  'Matthias', 'Jörg', 'Sören', 'Jürgen', 'Günther', 'Käthe', 'Björn', 'Małgorzata', 'Mehmet', 'Ayşe',
];

const DE_LAST = [
  'Müller', 'Schmidt', 'Schneider', 'Fischer', 'Weber', 'Meyer', 'Wagner', 'Becker', 'Schulz', 'Hoffmann',
  'Schäfer', 'Koch', 'Bauer', 'Richter', 'Klein', 'Wolf', 'Schröder', 'Neumann', 'Schwarz', 'Zimmermann',
  'Braun', 'Krüger', 'Hofmann', 'Hartmann', 'Lange', 'Schmitt', 'Werner', 'Schmitz', 'Krause', 'Meier',
  'Lehmann', 'Schmid', 'Schulze', 'Maier', 'Köhler', 'Herrmann', 'König', 'Walter', 'Mayer', 'Huber',
  'Kaiser', 'Fuchs', 'Peters', 'Lang', 'Scholz', 'Möller', 'Weiß', 'Jung', 'Hahn', 'Schubert',
  'Vogel', 'Friedrich', 'Keller', 'Günther', 'Frank', 'Berger', 'Winkler', 'Roth', 'Beck', 'Lorenz',
  'Baumann', 'Franke', 'Albrecht', 'Schuster', 'Simon', 'Ludwig', 'Böhm', 'Winter', 'Kraus', 'Martin',
  'von Bergen', 'Yılmaz', 'Kaya', 'Nowak', 'Kowalczyk', 'Öztürk', 'Dietrich', 'Engel', 'Pohl', 'Brandt',
];

const FR_FIRST = [
  'Gabriel', 'Louise', 'Léo', 'Jade', 'Raphaël', 'Ambre', 'Arthur', 'Alice', 'Louis', 'Emma',
  'Lucas', 'Rose', 'Adam', 'Chloé', 'Jules', 'Léa', 'Hugo', 'Manon', 'Maël', 'Inès',
  'Nathan', 'Camille', 'Théo', 'Zoé', 'Paul', 'Juliette', 'Sacha', 'Lina', 'Noé', 'Mila',
  'Nicolas', 'Isabelle', 'Philippe', 'Nathalie', 'Pierre', 'Sylvie', 'Jean-Pierre', 'Catherine', 'François', 'Françoise',
  'Michel', 'Martine', 'Alain', 'Monique', 'Christophe', 'Valérie', 'Stéphane', 'Sandrine', 'Sébastien', 'Céline',
  'Jérôme', 'Aurélie', 'Benoît', 'Hélène', 'Thibault', 'Margaux', 'Mathéo', 'Anaïs', 'Yannick', 'Gaëlle',
];

const FR_LAST = [
  'Martin', 'Bernard', 'Thomas', 'Petit', 'Robert', 'Richard', 'Durand', 'Dubois', 'Moreau', 'Laurent',
  'Simon', 'Michel', 'Lefebvre', 'Leroy', 'Roux', 'David', 'Bertrand', 'Morel', 'Fournier', 'Girard',
  'Bonnet', 'Dupont', 'Lambert', 'Fontaine', 'Rousseau', 'Vincent', 'Muller', 'Lefèvre', 'Faure', 'André',
  'Mercier', 'Blanc', 'Guérin', 'Boyer', 'Garnier', 'Chevalier', 'François', 'Legrand', 'Gauthier', 'Garcia',
  'Perrin', 'Robin', 'Clément', 'Morin', 'Nicolas', 'Henry', 'Roussel', 'Mathieu', 'Gautier', 'Masson',
  'Marchand', 'Duval', 'Denis', 'Dumont', 'Marie', 'Lemaire', 'Noël', 'Meyer', 'Dufour', 'Meunier',
  'Brun', 'Blanchard', 'Giraud', 'Joly', 'Rivière', 'Lucas', 'Brunet', 'Gaillard', 'Barbier', 'Arnaud',
  'Le Gall', "D'Angelo", 'de la Fontaine', 'Benali', 'Haddad', 'Nguyen', 'Cohen', 'Lemoine', 'Caron', 'Renaud',
];

const CA_FRENCH_FIRST = [
  'Jean', 'Marie', 'Mathieu', 'Geneviève', 'Étienne', 'Émilie', 'Olivier', 'Mélanie', 'Simon', 'Josée',
  'Guillaume', 'Isabelle', 'Maxime', 'Annie', 'Alexandre', 'Nathalie', 'Félix', 'Stéphanie', 'Samuel', 'Véronique',
];

const CA_FRENCH_LAST = [
  'Tremblay', 'Gagnon', 'Roy', 'Côté', 'Bouchard', 'Gauthier', 'Morin', 'Lavoie', 'Fortin', 'Gagné',
  'Ouellet', 'Pelletier', 'Bélanger', 'Lévesque', 'Bergeron', 'Leblanc', 'Paquette', 'Girard', 'Simard', 'Boucher',
];

const CA_FIRST = [...US_FIRST.slice(0, 120), ...CA_FRENCH_FIRST, 'Liam', 'Aiden', 'Harjit', 'Gurpreet', 'Sanjay'];
const CA_LAST = [...US_LAST.slice(0, 100), ...CA_FRENCH_LAST, 'MacKenzie', 'Campbell', 'Wong', 'Dhillon', 'Sandhu'];

export const FIRST_NAMES: Record<Country, readonly string[]> = {
  US: US_FIRST,
  CA: CA_FIRST,
  GB: GB_FIRST,
  DE: DE_FIRST,
  FR: FR_FIRST,
};

export const LAST_NAMES: Record<Country, readonly string[]> = {
  US: US_LAST,
  CA: CA_LAST,
  GB: GB_LAST,
  DE: DE_LAST,
  FR: FR_LAST,
};
