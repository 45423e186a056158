import type { Project } from '../project/index.js';

/** How a trait is shown to people: a label and, when the config gives one, a description. */
export interface TraitWords {
  label: string;
  description?: string;
}

/** `lifetime_value` → `Lifetime value`: what a person reads when the config names no label. */
export function humanizeName(name: string): string {
  const words = name.replace(/[_\s]+/g, ' ').trim();
  return words ? words[0]!.toUpperCase() + words.slice(1) : name;
}

/**
 * The words of every configured trait (profiles.traits[name].label/description); columns of the
 * profiles table the config does not declare get their humanized name.
 */
export function traitWords(project: Project): (name: string) => TraitWords {
  const configured = project.config.profiles.traits;
  return (name) => {
    const trait = Object.hasOwn(configured, name) ? configured[name] : undefined;
    return {
      label: trait?.label ?? humanizeName(name),
      ...(trait?.description ? { description: trait.description } : {}),
    };
  };
}
