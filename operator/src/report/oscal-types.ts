// The part of the OSCAL 1.1.x Assessment Results model (JSON) that oscal.ts writes, with
// OSCAL's own field names. Only what the export uses is declared; everything optional in
// OSCAL stays optional here. https://pages.nist.gov/OSCAL-Reference/models/v1.1.3/assessment-results/json-reference/

export const OSCAL_VERSION = '1.1.3';

export interface OscalProperty {
  name: string;
  value: string;
  ns?: string;
  class?: string;
  remarks?: string;
}

export interface OscalLink {
  href: string;
  rel?: string;
  'media-type'?: string;
  text?: string;
}

export interface OscalPart {
  id?: string;
  name: string;
  ns?: string;
  class?: string;
  title?: string;
  props?: OscalProperty[];
  prose?: string;
  parts?: OscalPart[];
}

export interface OscalComponent {
  uuid: string;
  type: string;
  title: string;
  description: string;
  props?: OscalProperty[];
  status: { state: 'under-development' | 'operational' | 'disposition' | 'other'; remarks?: string };
  remarks?: string;
}

export interface OscalInventoryItem {
  uuid: string;
  description: string;
  props?: OscalProperty[];
  'implemented-components'?: Array<{ 'component-uuid': string }>;
}

export interface OscalOrigin {
  actors: Array<{ type: 'tool' | 'assessment-platform' | 'party'; 'actor-uuid': string }>;
}

export interface OscalSubject {
  'subject-uuid': string;
  type: 'component' | 'inventory-item' | 'location' | 'party' | 'user';
  title?: string;
  props?: OscalProperty[];
}

export interface OscalRelevantEvidence {
  href?: string;
  description: string;
  props?: OscalProperty[];
  remarks?: string;
}

export interface OscalObservation {
  uuid: string;
  title?: string;
  description: string;
  props?: OscalProperty[];
  methods: Array<'EXAMINE' | 'INTERVIEW' | 'TEST' | 'UNKNOWN'>;
  types?: Array<'ssp-statement-issue' | 'control-objective' | 'mitigation' | 'finding' | 'historic'>;
  origins?: OscalOrigin[];
  subjects?: OscalSubject[];
  'relevant-evidence'?: OscalRelevantEvidence[];
  collected: string;
  remarks?: string;
}

export interface OscalFinding {
  uuid: string;
  title: string;
  description: string;
  props?: OscalProperty[];
  origins?: OscalOrigin[];
  target: {
    type: 'statement-id' | 'objective-id';
    'target-id': string;
    title?: string;
    description?: string;
    status: { state: 'satisfied' | 'not-satisfied'; reason?: 'pass' | 'fail' | 'other'; remarks?: string };
  };
  'related-observations'?: Array<{ 'observation-uuid': string }>;
  remarks?: string;
}

export interface OscalResult {
  uuid: string;
  title: string;
  description: string;
  start: string;
  end?: string;
  props?: OscalProperty[];
  'local-definitions'?: { components?: OscalComponent[]; 'inventory-items'?: OscalInventoryItem[] };
  'reviewed-controls': {
    description?: string;
    props?: OscalProperty[];
    'control-selections': Array<{ description?: string; 'include-controls': Array<{ 'control-id': string; 'statement-ids'?: string[] }> }>;
    'control-objective-selections'?: Array<{ description?: string; 'include-objectives': Array<{ 'objective-id': string }> }>;
  };
  observations?: OscalObservation[];
  findings?: OscalFinding[];
  remarks?: string;
}

export interface OscalResource {
  uuid: string;
  title?: string;
  description?: string;
  props?: OscalProperty[];
  rlinks?: Array<{ href: string; 'media-type'?: string }>;
  remarks?: string;
}

export interface OscalAssessmentResultsDocument {
  'assessment-results': {
    uuid: string;
    metadata: {
      title: string;
      'last-modified': string;
      version: string;
      'oscal-version': string;
      props?: OscalProperty[];
      links?: OscalLink[];
      remarks?: string;
    };
    'import-ap': { href: string; remarks?: string };
    'local-definitions'?: {
      'objectives-and-methods'?: Array<{ 'control-id': string; description?: string; props?: OscalProperty[]; parts: OscalPart[]; remarks?: string }>;
      remarks?: string;
    };
    results: OscalResult[];
    'back-matter'?: { resources?: OscalResource[] };
  };
}
