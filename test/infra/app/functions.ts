import { describe, expect, it } from 'vitest';
import { apiFunctions } from '../../../functions/api/routes';
import type { DeployStage } from '../../../infra/config';
import { globalSecondaryIndexes } from '../../../shared/adapters/table-design';
import { serviceTasks } from '../../../workflows/tasks';
import {
  actionsOf,
  advanceEntry,
  asArray,
  env,
  fnByEntry,
  get,
  lifecycleEntries,
  type Resource,
  roleRef,
  statementsOf,
  syncEntry,
  taskEntries,
} from './synth';

export function functions(stage: DeployStage): void {
  describe('functions', () => {
    const all = () => [
      ...lifecycleEntries.map((e) => [get(stage).t.workflow, e] as const),
      [get(stage).t.workflow, serviceTasks.sendPending.entry] as const,
      [get(stage).t.workflow, serviceTasks.reconcile.entry] as const,
      [get(stage).t.notifications, syncEntry] as const,
      [get(stage).t.notifications, serviceTasks.sendNotifications.entry] as const,
      [get(stage).t.data, serviceTasks.archiveExpired.entry] as const,
      ...Object.values(apiFunctions).map((e) => [get(stage).t.api, e] as const),
    ];

    it('deploys every entry of the task registry and of apiFunctions, each exactly once', () => {
      const entries = all().map(([, e]) => e);
      expect(entries.sort()).toEqual([...taskEntries, ...Object.values(apiFunctions)].sort());
    });

    it('run nodejs22.x on arm64 with active tracing, Powertools env and their own log group', () => {
      for (const [template, entry] of all()) {
        const [, fn] = fnByEntry(template, entry);
        expect(fn.Properties, entry).toMatchObject({
          Runtime: 'nodejs22.x',
          Architectures: ['arm64'],
          TracingConfig: { Mode: 'Active' },
          LoggingConfig: { LogFormat: 'JSON', LogGroup: { Ref: expect.any(String) } },
        });
        expect(env(fn)).toMatchObject({
          POWERTOOLS_SERVICE_NAME: 'whistle-dispatch',
          POWERTOOLS_METRICS_NAMESPACE: 'WhistleDispatch',
          NODE_OPTIONS: '--enable-source-maps',
        });
        const logGroupId = (fn.Properties.LoggingConfig as { LogGroup: { Ref: string } }).LogGroup.Ref;
        const logGroup = template.toJSON().Resources[logGroupId] as Resource;
        expect(logGroup.Properties.RetentionInDays).toBe(stage === 'prod' ? 400 : 14);
      }
    });

    it('grant "*" only to actions that have no resource-level permissions, and only where needed', () => {
      // Recording a notice queues it: only the sender publishes.
      const smsSenders: string[] = [serviceTasks.sendNotifications.entry];
      for (const [template, entry] of all()) {
        const [, fn] = fnByEntry(template, entry);
        const onStar = actionsOf(statementsOf(template, roleRef(fn)).filter((s) => s.Resource === '*'));
        const allowed = [
          'xray:PutTraceSegments',
          'xray:PutTelemetryRecords',
          ...(smsSenders.includes(entry) ? ['sns:Publish'] : []),
          ...((
            [syncEntry, serviceTasks.sendPending.entry, serviceTasks.archiveExpired.entry] as string[]
          ).includes(entry)
            ? ['dynamodb:ListStreams']
            : []),
        ];
        expect(
          onStar.filter((a) => !allowed.includes(a)),
          entry,
        ).toEqual([]);
        expect(template.toJSON().Resources[roleRef(fn)].Properties.ManagedPolicyArns, entry).toBeUndefined();
      }
    });

    it('point the links in messages at the console (CloudFront), never at localhost', () => {
      for (const [template, entry] of all()) {
        // None renders a message: the sync manages subscriptions, the sender sends what was
        // rendered, and Advance only reads the record.
        // The archiver only moves expired tickets to S3.
        if (
          entry === syncEntry ||
          entry === serviceTasks.sendNotifications.entry ||
          entry === advanceEntry ||
          entry === serviceTasks.archiveExpired.entry
        )
          continue;
        const [, fn] = fnByEntry(template, entry);
        const url = JSON.stringify(env(fn).PUBLIC_BASE_URL);
        expect(url, entry).toMatch(/ImportValue.*Edge:ExportsOutputFnGetAttDistribution\w*DomainName/);
        expect(url, entry).toContain('https://');
        expect(url, entry).not.toContain('127.0.0.1');
      }
    });

    it('task functions read/write the table, queue notices and park dead letters; Advance only reads', () => {
      const t = get(stage).t.workflow;
      const [, finish] = fnByEntry(t, advanceEntry);
      expect(Object.keys(env(finish))).toEqual(expect.arrayContaining(['TABLE_NAME']));
      for (const name of [
        'DISPATCH_TOPIC_ARN',
        'DEAD_LETTER_QUEUE_URL',
        'LINK_SECRET_ARN',
        'PUBLIC_BASE_URL',
      ]) {
        expect(Object.keys(env(finish))).not.toContain(name);
      }
      const finishActions = actionsOf(statementsOf(t, roleRef(finish)));
      expect(finishActions).toContain('dynamodb:GetItem');
      expect(
        finishActions.filter((a) =>
          /^(dynamodb:(Put|Update|Delete|BatchWrite)|sns|sqs|secretsmanager):?/.test(a),
        ),
      ).toEqual([]);
      for (const entry of lifecycleEntries.filter((e) => e !== advanceEntry)) {
        const [, fn] = fnByEntry(t, entry);
        expect(Object.keys(env(fn))).toEqual(
          expect.arrayContaining([
            'TABLE_NAME',
            'NOTIFY_QUEUE_URL',
            'DEAD_LETTER_QUEUE_URL',
            'PUBLIC_BASE_URL',
          ]),
        );
        expect(Object.keys(env(fn))).not.toContain('DISPATCH_TOPIC_ARN');
        // The secret's ARN, read at cold start: never the key itself in the configuration.
        expect(env(fn).LINK_SECRET).toBeUndefined();
        expect(JSON.stringify(env(fn).LINK_SECRET_ARN)).toMatch(/Data:ExportsOutputRefLinkSecret/);
        const statements = statementsOf(t, roleRef(fn));
        const read = statements.find((st) => asArray(st.Action).includes('secretsmanager:GetSecretValue'));
        expect(JSON.stringify(read?.Resource)).toMatch(/LinkSecret/);
        const actions = actionsOf(statements);
        expect(actions).toEqual(
          expect.arrayContaining(['dynamodb:UpdateItem', 'dynamodb:Query', 'sqs:SendMessage']),
        );
        expect(actions).not.toContain('sns:Publish');
        // Only their own tokens: a callback completes its wait when the party already moved on.
        expect(actions.filter((a) => a.startsWith('states:')).sort()).toEqual([
          'states:SendTaskFailure',
          'states:SendTaskHeartbeat',
          'states:SendTaskSuccess',
        ]);
        // The DLQ grant names the queue, not "*".
        const sqsStatement = statements.find((s) => asArray(s.Action).includes('sqs:SendMessage'));
        expect(JSON.stringify(sqsStatement?.Resource)).toMatch(
          /Notifications:ExportsOutputFnGetAttDeliveryDlq/,
        );
      }
    });

    it('API functions get exactly the access the brief lists', () => {
      const t = get(stage).t.api;
      const access = (entry: string) => {
        const [, fn] = fnByEntry(t, entry);
        return { env: Object.keys(env(fn)), actions: actionsOf(statementsOf(t, roleRef(fn))) };
      };
      const intake = access(apiFunctions.ticketIntake);
      expect(intake.env).toEqual(expect.arrayContaining(['TABLE_NAME', 'STATE_MACHINE_ARN']));
      expect(intake.actions).toEqual(expect.arrayContaining(['dynamodb:PutItem', 'states:StartExecution']));
      expect(intake.actions).not.toContain('states:SendTaskSuccess');

      const actions = access(apiFunctions.ticketActions);
      expect(actions.actions).toEqual(
        expect.arrayContaining([
          'dynamodb:UpdateItem',
          'states:StartExecution',
          'states:SendTaskSuccess',
          'states:SendTaskFailure',
          'states:StopExecution',
          // Urges are recorded and queued for the sender; failures parked on the DLQ.
          'sqs:SendMessage',
        ]),
      );
      expect(actions.env).toEqual(expect.arrayContaining(['NOTIFY_QUEUE_URL', 'DEAD_LETTER_QUEUE_URL']));
      expect(actions.env).not.toContain('DISPATCH_TOPIC_ARN');

      const queries = access(apiFunctions.queries);
      expect(queries.env).toContain('TABLE_NAME');
      expect(queries.env).not.toContain('STATE_MACHINE_ARN');
      expect(queries.actions).toContain('dynamodb:Query');
      expect(queries.actions.filter((a) => /^dynamodb:(Put|Update|Delete|BatchWrite)/.test(a))).toEqual([]);

      expect(access(apiFunctions.adminConfig).actions).toEqual(
        expect.arrayContaining(['dynamodb:PutItem', 'states:SendTaskSuccess']),
      );
      const open311 = access(apiFunctions.open311);
      expect(open311.actions).toEqual(expect.arrayContaining(['dynamodb:PutItem', 'states:StartExecution']));
      // It verifies the api_key token itself against the pool.
      expect(open311.env).toEqual(expect.arrayContaining(['TOKEN_ISSUER', 'TOKEN_AUDIENCE']));

      // /healthz reads the latest configuration version: read-only table access, nothing else.
      const service = access(apiFunctions.service);
      expect(service.env).toContain('TABLE_NAME');
      expect(service.actions).toContain('dynamodb:Query');
      expect(service.actions.filter((a) => /^dynamodb:(Put|Update|Delete|BatchWrite)/.test(a))).toEqual([]);
      expect(service.actions.filter((a) => /^(states|sns|sqs):/.test(a))).toEqual([]);

      // The link pages: the link is the credential; its actions answer task tokens, photos go to
      // the evidence bucket by presigned URLs.
      const links = access(apiFunctions.links);
      expect(links.env).toEqual(
        expect.arrayContaining(['TABLE_NAME', 'STATE_MACHINE_ARN', 'LINK_SECRET_ARN', 'EVIDENCE_BUCKET']),
      );
      expect(links.actions).toEqual(
        expect.arrayContaining([
          'dynamodb:UpdateItem',
          'states:SendTaskSuccess',
          's3:PutObject',
          's3:GetObject',
        ]),
      );
      expect(links.actions).not.toContain('states:StartExecution');
      expect(links.actions).not.toContain('states:StopExecution');
      const [, linksFn] = fnByEntry(t, apiFunctions.links);
      const s3Statement = statementsOf(t, roleRef(linksFn)).find((st) =>
        asArray(st.Action).includes('s3:PutObject'),
      );
      expect(JSON.stringify(s3Statement?.Resource)).toContain(`whistle-dispatch-${stage}-evidence-`);
      expect(JSON.stringify(s3Statement?.Resource)).toContain('/evidence/*');
      expect(access(apiFunctions.ticketActions).env).toContain('LINK_SECRET_ARN');

      // Only the sender publishes (Notifications stack): no API function may.
      for (const name of Object.keys(apiFunctions) as (keyof typeof apiFunctions)[]) {
        expect(access(apiFunctions[name]).actions, name).not.toContain('sns:Publish');
      }
    });

    it('scopes StopExecution to the lifecycle machine executions', () => {
      const t = get(stage).t.api;
      const [, fn] = fnByEntry(t, apiFunctions.ticketActions);
      const stop = statementsOf(t, roleRef(fn)).find((s) =>
        asArray(s.Action).includes('states:StopExecution'),
      );
      expect(JSON.stringify(stop?.Resource)).toContain(
        `:execution:whistle-dispatch-${stage}-ticket-lifecycle:*`,
      );
    });

    it('grants table access to the table and its four named indexes, no index wildcard', () => {
      const t = get(stage).t.api;
      const [, fn] = fnByEntry(t, apiFunctions.queries);
      const dynamo = statementsOf(t, roleRef(fn)).filter((s) =>
        asArray(s.Action).some((a) => a.startsWith('dynamodb:')),
      );
      expect(dynamo).toHaveLength(1);
      const text = JSON.stringify(dynamo[0]!.Resource);
      for (const gsi of globalSecondaryIndexes) expect(text).toContain(`/index/${gsi.indexName}`);
      expect(text).not.toContain('/index/*');
    });
  });
}
