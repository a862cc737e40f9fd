/** The CDS Services this server offers, one file each; discovery lists them in this order. */
import type { ServiceDefinition } from '../src/cds/types';
import orderSelect from './lamo-order-select';
import orderSign from './lamo-order-sign';
import discharge from './lamo-discharge-medications';
import medicationReview from './lamo-medication-review';

export const SERVICES: readonly ServiceDefinition[] = [orderSelect, orderSign, discharge, medicationReview];
