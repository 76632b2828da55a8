// Material from the reference's documentation (shared/reference/): the public
// key of its config.json and the test token of its README, which must verify
// against that key. The config file itself is copied to
// tests/fixtures/reference-config.json so the tests do not depend on where
// shared/ lies.

import { fileURLToPath } from 'node:url';

export const REFERENCE_CONFIG = fileURLToPath(new URL('../fixtures/reference-config.json', import.meta.url));

export const REFERENCE_PUBLIC_KEY = 'kzfYrYy+TzpanWZHJ5qSdMj5uKUWgq74BWhQG6copP0=';

export const REFERENCE_TOKEN =
  'eyJ0eXAiOiJKV1QiLCJhbGciOiJFZERTQSJ9.eyJ1c2VyIjoiYWRtaW4iLCJyb2xlcyI6WyJST0xFX0FETUlOIiwiUk9MRV9BTkFMWVNUIiwiUk9MRV9VU0VSIl19.d-3_3FZTsadPjDEdsWrrQ7nS0edMAR4zjl-eK7rJU3HziNBfI9PDHDIpJVHTNN5E5SlLGLFXctWyKAkwhXL-Dw';
