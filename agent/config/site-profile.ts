/**
 * The site profile: who runs this terminal and under which rules. It comes from the technician's answers
 * (or the enrolment service's signed site bundle) and lives in the site config under `site`.
 */
import { z } from 'zod';

export const BUSINESS_TYPES = ['pawnshop', 'hotel', 'guesthouse', 'bank', 'telecom', 'other'] as const;

export const siteProfileSchema = z.strictObject({
  businessName: z.string().trim().min(1).max(200),
  /** Business registration or conditional-business licence number, as printed on the licence. */
  licenceNumber: z.string().trim().min(1).max(64),
  businessType: z.enum(BUSINESS_TYPES),
  address: z.string().trim().min(1).max(300),
  /** The police unit that supervises this business (e.g. "Công an phường Bến Nghé"). */
  policeUnit: z.string().trim().min(1).max(200),
  contact: z.strictObject({ name: z.string().trim().min(1).max(100), phone: z.string().regex(/^\+?[0-9 .-]{8,20}$/, 'a phone number: digits, spaces, ".", "-", optional leading +') }),
  /** How long register entries with personal data are kept; the law sets the floor for each business type. */
  retentionDays: z.number().int().min(1).max(3650),
  faceRequired: z.boolean(),
});

export type SiteProfile = z.infer<typeof siteProfileSchema>;
