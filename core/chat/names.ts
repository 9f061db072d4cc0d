/**
 * Friendly generated names for anonymous visitors ("Amber Falcon"), so agents can tell them
 * apart before they identify themselves.
 *
 * @module
 */

const ADJECTIVES = [
  "Amber",
  "Azure",
  "Brave",
  "Bright",
  "Calm",
  "Clever",
  "Coral",
  "Crimson",
  "Daring",
  "Eager",
  "Gentle",
  "Golden",
  "Happy",
  "Indigo",
  "Jolly",
  "Kind",
  "Lively",
  "Lucky",
  "Merry",
  "Misty",
  "Noble",
  "Olive",
  "Quiet",
  "Rapid",
  "Rosy",
  "Silver",
  "Sunny",
  "Swift",
  "Teal",
  "Witty",
];
const ANIMALS = [
  "Badger",
  "Beaver",
  "Bison",
  "Crane",
  "Dolphin",
  "Falcon",
  "Fox",
  "Gecko",
  "Heron",
  "Ibis",
  "Jaguar",
  "Koala",
  "Lemur",
  "Lynx",
  "Marten",
  "Newt",
  "Otter",
  "Owl",
  "Panda",
  "Puffin",
  "Quokka",
  "Raven",
  "Robin",
  "Seal",
  "Swan",
  "Tapir",
  "Tiger",
  "Walrus",
  "Wren",
  "Yak",
];

/** A random two-word visitor name. */
export function friendlyName(random: () => number = Math.random): string {
  const pick = (list: string[]) => list[Math.floor(random() * list.length)];
  return `${pick(ADJECTIVES)} ${pick(ANIMALS)}`;
}
