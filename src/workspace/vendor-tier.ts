/**
 * The criticality tier from the short intake (docs/vendors.md "Tier"). Three answers, each on a scale of
 * 0–3: how sensitive the data the vendor reaches is, how critical its service is to the tenant, and how
 * hard it would be to replace. The rule, first match wins:
 *   critical  the service is critical AND (the data is confidential or restricted, OR it is hard or
 *             impossible to replace);
 *   high      any answer at its top level (restricted data, a critical service, no alternative), or the
 *             three add up to 6 or more;
 *   medium    confidential data or an important service, or the three add up to 3 or more;
 *   low       otherwise.
 * A member may override the result with a reason; the record keeps both and the page says so.
 */
import type { VendorIntake, VendorTier } from '../db/repo/vendors.js';

export const INTAKE_OPTIONS = {
  dataSensitivity: [
    { value: 'none', label: 'None: no access to our data' },
    { value: 'internal', label: 'Internal: non-public business data' },
    { value: 'confidential', label: 'Confidential: personal data, customer or financial data' },
    { value: 'restricted', label: 'Restricted: special-category data, payment cards, credentials, secrets' },
  ],
  serviceCriticality: [
    { value: 'minor', label: 'Minor: we would hardly notice an outage' },
    { value: 'supporting', label: 'Supporting: an outage is an inconvenience' },
    { value: 'important', label: 'Important: an outage disrupts a business process' },
    { value: 'critical', label: 'Critical: supports a critical or important function' },
  ],
  substitutability: [
    { value: 'easy', label: 'Easy: alternatives ready within days' },
    { value: 'moderate', label: 'Moderate: weeks to switch' },
    { value: 'difficult', label: 'Difficult: months, with migration effort' },
    { value: 'none', label: 'No alternative in practice' },
  ],
} as const;

export type IntakeQuestion = keyof typeof INTAKE_OPTIONS;
export const INTAKE_QUESTIONS = Object.keys(INTAKE_OPTIONS) as IntakeQuestion[];

const level = (q: IntakeQuestion, value: string): number =>
  INTAKE_OPTIONS[q].findIndex((o) => o.value === value);

export function isIntakeValue(q: IntakeQuestion, value: string): boolean {
  return level(q, value) >= 0;
}

const LABEL: Record<IntakeQuestion, string> = {
  dataSensitivity: 'data sensitivity',
  serviceCriticality: 'service criticality',
  substitutability: 'substitutability',
};

/** The tier the intake gives, and a sentence saying why. */
export function tierFromIntake(intake: VendorIntake): { tier: VendorTier; reason: string } {
  const ds = level('dataSensitivity', intake.dataSensitivity);
  const sc = level('serviceCriticality', intake.serviceCriticality);
  const sub = level('substitutability', intake.substitutability);
  const sum = ds + sc + sub;
  const answers = `${LABEL.dataSensitivity} ${intake.dataSensitivity}, ${LABEL.serviceCriticality} ${intake.serviceCriticality}, ${LABEL.substitutability} ${intake.substitutability} (points ${ds}+${sc}+${sub}=${sum})`;
  if (sc === 3 && (ds >= 2 || sub >= 2)) {
    const why = ds >= 2 ? `it reaches ${intake.dataSensitivity} data` : 'it is hard to replace';
    return {
      tier: 'critical',
      reason: `Critical: the service is critical to us and ${why}. Intake: ${answers}.`,
    };
  }
  if (ds === 3 || sc === 3 || sub === 3 || sum >= 6) {
    const top = [
      ds === 3 && 'restricted data',
      sc === 3 && 'a critical service',
      sub === 3 && 'no alternative',
    ]
      .filter(Boolean)
      .join(', ');
    return {
      tier: 'high',
      reason: `High: ${top ? `${top}` : 'the answers add up to 6 or more'}. Intake: ${answers}.`,
    };
  }
  if (ds === 2 || sc === 2 || sum >= 3) {
    const why = [ds === 2 && 'confidential data', sc === 2 && 'an important service']
      .filter(Boolean)
      .join(', ');
    return {
      tier: 'medium',
      reason: `Medium: ${why || 'the answers add up to 3 or more'}. Intake: ${answers}.`,
    };
  }
  return { tier: 'low', reason: `Low: little data, a minor service, easy to replace. Intake: ${answers}.` };
}
