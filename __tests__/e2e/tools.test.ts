// Without moto_server or the AWS CLI the suite must fail at once and say how to install them, never skip.
import { describe, expect, it } from '@jest/globals';
import { requireTools } from './world/tools.js';

describe('requireTools', () => {
  it('fails with install instructions when moto_server and aws are not on PATH', () => {
    expect(() => requireTools({ PATH: '/nonexistent' })).toThrow(
      /need moto_server and aws on PATH.*pipx install "moto\[server\]" awscli/s,
    );
  });

  it('passes on this machine, where the suite runs', () => {
    expect(() => requireTools()).not.toThrow();
  });
});
