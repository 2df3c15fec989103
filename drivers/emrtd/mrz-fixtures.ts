/** A made-up CCCD holder's TD1 MRZ fields, shared by tests (no real person's data). */
import type { MrzFields } from './mrz.ts';

export const SAMPLE_TD1: MrzFields = {
  documentCode: 'ID',
  issuingState: 'VNM',
  documentNumber: '203001234',
  optionalData1: '079203001234',
  dateOfBirth: '900201',
  sex: 'M',
  dateOfExpiry: '300201',
  nationality: 'VNM',
  optionalData2: '',
  primaryIdentifier: 'NGUYEN',
  secondaryIdentifier: 'VAN AN',
};
