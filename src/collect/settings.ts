/**
 * What `GET /v1/projects/<writeKey>/settings` answers: the part of Segment's CDN settings that
 * analytics.js (@segment/analytics-next) reads to load, pointing its Segment.io destination at
 * this service. No device-mode destinations, no remote plugins or middleware, metrics off (they
 * would go to Segment).
 */
export function analyticsJsSettings(writeKey: string, apiHost: string, protocol: 'http' | 'https'): Record<string, unknown> {
  return {
    integrations: {
      'Segment.io': {
        apiKey: writeKey,
        apiHost,
        protocol,
        unbundledIntegrations: [],
        addBundledMetadata: true,
        maybeBundledConfigIds: {},
        versionSettings: { componentTypes: ['browser'] },
      },
    },
    plan: {
      track: { __default: { enabled: true, integrations: {} } },
      identify: { __default: { enabled: true } },
      group: { __default: { enabled: true } },
    },
    edgeFunction: {},
    analyticsNextEnabled: true,
    middlewareSettings: {},
    enabledMiddleware: {},
    metrics: { sampleRate: 0 },
    legacyVideoPluginsEnabled: false,
    remotePlugins: [],
  };
}
