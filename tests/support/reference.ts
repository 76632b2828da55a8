// Material from the reference's documentation (shared/reference/): the public
// key of its config.json and the test token of its README, which must verify
// against that key.

import { join } from 'node:path';
import { sharedDir } from './shared.ts';

export const REFERENCE_CONFIG = join(sharedDir(), 'reference/config.json');

export const REFERENCE_PUBLIC_KEY = 'kzfYrYy+TzpanWZHJ5qSdMj5uKUWgq74BWhQG6copP0=';

export const REFERENCE_TOKEN =
  'eyJ0eXAiOiJKV1QiLCJhbGciOiJFZERTQSJ9.eyJ1c2VyIjoiYWRtaW4iLCJyb2xlcyI6WyJST0xFX0FETUlOIiwiUk9MRV9BTkFMWVNUIiwiUk9MRV9VU0VSIl19.d-3_3FZTsadPjDEdsWrrQ7nS0edMAR4zjl-eK7rJU3HziNBfI9PDHDIpJVHTNN5E5SlLGLFXctWyKAkwhXL-Dw';
