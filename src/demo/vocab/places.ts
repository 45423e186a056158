/** Where the demo's customers live: countries, cities, phone prefixes, currencies. */

export const COUNTRIES = ['US', 'CA', 'GB', 'DE', 'FR'] as const;
export type Country = (typeof COUNTRIES)[number];

/** Mostly US, as a US-based retailer with international shipping would see. */
export const COUNTRY_WEIGHTS: readonly number[] = [70, 10, 10, 5, 5];

export const CURRENCY: Record<Country, string> = { US: 'USD', CA: 'CAD', GB: 'GBP', DE: 'EUR', FR: 'EUR' };

export const CITIES: Record<Country, readonly string[]> = {
  US: [
    'New York', 'Los Angeles', 'Chicago', 'Houston', 'Phoenix', 'Philadelphia', 'San Antonio', 'San Diego',
    'Dallas', 'San Jose', 'Austin', 'Jacksonville', 'Fort Worth', 'Columbus', 'Charlotte', 'San Francisco',
    'Indianapolis', 'Seattle', 'Denver', 'Washington', 'Boston', 'Nashville', 'Detroit', 'Portland',
    'Las Vegas', 'Memphis', 'Louisville', 'Baltimore', 'Milwaukee', 'Albuquerque', 'Tucson', 'Atlanta',
    'Miami', 'Minneapolis', 'Raleigh', 'Omaha', 'Oakland', 'Tampa', 'New Orleans', 'Salt Lake City',
  ],
  CA: ['Toronto', 'Montréal', 'Vancouver', 'Calgary', 'Edmonton', 'Ottawa', 'Winnipeg', 'Québec City', 'Hamilton', 'Halifax', 'Victoria', 'Saskatoon'],
  GB: ['London', 'Manchester', 'Birmingham', 'Leeds', 'Glasgow', 'Liverpool', 'Bristol', 'Edinburgh', 'Sheffield', 'Cardiff', 'Belfast', 'Nottingham'],
  DE: ['Berlin', 'Hamburg', 'München', 'Köln', 'Frankfurt am Main', 'Stuttgart', 'Düsseldorf', 'Leipzig', 'Dortmund', 'Essen', 'Bremen', 'Dresden'],
  FR: ['Paris', 'Marseille', 'Lyon', 'Toulouse', 'Nice', 'Nantes', 'Strasbourg', 'Montpellier', 'Bordeaux', 'Lille', 'Rennes', 'Reims'],
};

/**
 * North American area codes (+1), 32 for the US and 16 for Canada: the phone builder relies on
 * these counts being at least 16 (see contact.ts).
 */
export const US_AREA_CODES: readonly string[] = [
  '212', '213', '312', '713', '602', '215', '210', '619', '214', '408', '512', '904', '817', '614', '704', '415',
  '317', '206', '303', '202', '617', '615', '313', '503', '702', '901', '502', '410', '414', '505', '520', '404',
];
export const CA_AREA_CODES: readonly string[] = [
  '416', '647', '514', '438', '604', '778', '403', '587', '780', '613', '204', '418', '905', '902', '250', '306',
];
