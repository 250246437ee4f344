/** The demo's config when config.example.yaml is not on disk (the single binary run from elsewhere). */

/** The same listener, routes and demo cluster as config.example.yaml, without its commentary. */
export const BUILTIN_DEMO_CONFIG = `# proxy demo (built in): the two demo upstreams behind round robin.
admin: { address: 127.0.0.1, port: 9901 }
workers: auto
listeners:
  - name: ingress
    address: 127.0.0.1
    port: 10000
    access_log: { path: stdout, format: default }
    virtual_hosts:
      - name: demo
        domains: ["*"]
        routes:
          - match: { path: /healthz }
            direct_response: { status: 200, body: "ok\\n" }
          - match: { prefix: /old/ }
            redirect: { prefix_rewrite: /, response_code: 302 }
          - match: { prefix: / }
            cluster: demo
            websocket: true
            retry_policy: { retry_on: "5xx,connect-failure,reset", num_retries: 2 }
clusters:
  - name: demo
    endpoints:
      - { address: 127.0.0.1, port: 9001 }
      - { address: 127.0.0.1, port: 9002 }
    health_check: { path: /healthz, interval: 5s, timeout: 1s, unhealthy_threshold: 3, healthy_threshold: 2 }
`;
