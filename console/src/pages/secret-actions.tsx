/**
 * What an admin can do to one secret: edit metadata (etag-checked), rotate
 * the value (name and type locked), archive or restore (confirmation names
 * the consumers that will stop or start working), delete (impossible while
 * in use, confirmed by typing the name).
 */
import { useState } from "preact/hooks";
import { secretTypeFromProto } from "../../../kernel/secret-type-wire.js";
import { SecretState, type Secret } from "../../../gen/secrets/v1/types_pb.js";
import type { Api } from "../api.js";
import { Drawer } from "../components/drawer.js";
import { describedBy, Field, ProblemBanner } from "../components/field.js";
import { FormActions } from "../components/form-actions.js";
import { MetadataFields, type MetadataDraft } from "../components/metadata-fields.js";
import { EMPTY_VALUE, ValueFields, valueMessage, valueProblems, type ValueDraft } from "../components/value-fields.js";
import { describeError } from "../errors.js";
import { formatLabels, parseLabels, TYPE_WORDS } from "../format.js";

type Open = "edit" | "rotate" | "archive" | "delete" | undefined;

export interface SecretActionsProps {
  api: Api;
  secret: Secret;
  consumers: string[];
  onChanged: () => void;
}

export function SecretActions({ api, secret, consumers, onChanged }: SecretActionsProps) {
  const [open, setOpen] = useState<Open>();
  const [notice, setNotice] = useState<string>();
  const archived = secret.state === SecretState.ARCHIVED;
  const inUse = secret.usageCount > 0;
  const done = (message: string) => {
    setOpen(undefined);
    setNotice(message);
    onChanged();
  };
  return (
    <div class="secret-actions">
      {notice && (
        <p class="banner ok" role="status">
          {notice}
        </p>
      )}
      <div class="actions">
        <button type="button" onClick={() => setOpen("edit")}>
          Edit details
        </button>
        <button type="button" disabled={archived} onClick={() => setOpen("rotate")}>
          Rotate value
        </button>
        <button type="button" onClick={() => setOpen("archive")}>
          {archived ? "Restore" : "Archive"}
        </button>
        <button
          type="button"
          class="danger"
          disabled={inUse}
          aria-describedby={inUse ? "delete-reason" : undefined}
          onClick={() => setOpen("delete")}
        >
          Delete
        </button>
      </div>
      {archived && <p class="muted">Archived secrets cannot be resolved or rotated; restore it first.</p>}
      {inUse && (
        <p class="muted" id="delete-reason">
          Cannot be deleted while in use by: {consumers.join(", ")}.
        </p>
      )}
      {open === "edit" && <EditDrawer api={api} secret={secret} onClose={() => setOpen(undefined)} onDone={() => done("Details saved.")} />}
      {open === "rotate" && (
        <RotateDrawer
          api={api}
          secret={secret}
          onClose={() => setOpen(undefined)}
          onDone={(v) => done(`New value saved as version ${v}.`)}
        />
      )}
      {open === "archive" && (
        <ArchiveDialog
          api={api}
          secret={secret}
          consumers={consumers}
          onClose={() => setOpen(undefined)}
          onDone={() => done(archived ? "Restored." : "Archived.")}
        />
      )}
      {open === "delete" && <DeleteDialog api={api} secret={secret} onClose={() => setOpen(undefined)} />}
    </div>
  );
}

interface DialogProps {
  api: Api;
  secret: Secret;
  onClose: () => void;
}

/**
 * The secret as it was when the drawer opened. The page reloads the secret
 * live while a drawer is open; checking a write against the reloaded etag or
 * version would overwrite a concurrent change the person never saw.
 */
function useSecretAsOpened(secret: Secret): Secret {
  const [opened] = useState(secret);
  return opened;
}

function EditDrawer({ api, secret: current, onClose, onDone }: DialogProps & { onDone: () => void }) {
  const secret = useSecretAsOpened(current);
  const [metadata, setMetadata] = useState<MetadataDraft>({
    displayName: secret.displayName,
    description: secret.description,
    labels: formatLabels(secret.labels),
  });
  const [problem, setProblem] = useState<ReturnType<typeof describeError>>();
  async function save(event: Event) {
    event.preventDefault();
    try {
      await api.secrets.updateSecretMetadata({
        name: secret.name,
        displayName: metadata.displayName,
        description: metadata.description,
        labels: parseLabels(metadata.labels),
        updateMask: { paths: ["display_name", "description", "labels"] },
        etag: secret.etag,
      });
      onDone();
    } catch (error) {
      setProblem(describeError(error));
    }
  }
  return (
    <Drawer title={`Edit ${secret.name}`} onClose={onClose}>
      <form onSubmit={save}>
        <ProblemBanner message={problem?.message} />
        <p class="muted">
          Name ({secret.name}) and type ({TYPE_WORDS[secret.type]}) cannot change.
        </p>
        <MetadataFields draft={metadata} onChange={setMetadata} errors={problem?.fields ?? {}} idPrefix="edit" />
        <FormActions label="Save details" onCancel={onClose} />
      </form>
    </Drawer>
  );
}

function RotateDrawer({ api, secret: current, onClose, onDone }: DialogProps & { onDone: (version: string) => void }) {
  const secret = useSecretAsOpened(current);
  const type = secretTypeFromProto(secret.type)!;
  const [value, setValue] = useState<ValueDraft>(EMPTY_VALUE);
  const [tried, setTried] = useState(false);
  const [problem, setProblem] = useState<ReturnType<typeof describeError>>();
  const local = valueProblems(type, value);
  async function save(event: Event) {
    event.preventDefault();
    setTried(true);
    if (Object.keys(local).length > 0) return;
    try {
      const updated = await api.secrets.updateSecretValue({
        name: secret.name,
        value: valueMessage(type, value),
        expectedVersion: secret.version,
      });
      onDone(String(updated.secret?.version));
    } catch (error) {
      setProblem(describeError(error));
    }
  }
  const errors = { ...(problem?.fields ?? {}), ...(tried || type === "JSON" ? local : {}) };
  return (
    <Drawer title={`Rotate ${secret.name}`} onClose={onClose}>
      <form onSubmit={save} noValidate>
        <ProblemBanner message={problem?.message} />
        <p>
          The new value becomes version {String(secret.version + 1n)} and is used everywhere at once. Type: {TYPE_WORDS[secret.type]}.
        </p>
        <ValueFields type={type} draft={value} onChange={setValue} errors={errors} />
        <p class="banner warn">Once saved, the value cannot be seen again by anyone.</p>
        <FormActions label="Save new value" onCancel={onClose} />
      </form>
    </Drawer>
  );
}

function ArchiveDialog({ api, secret: current, consumers, onClose, onDone }: DialogProps & { consumers: string[]; onDone: () => void }) {
  const secret = useSecretAsOpened(current);
  const archived = secret.state === SecretState.ARCHIVED;
  const [problem, setProblem] = useState<string>();
  async function confirm() {
    try {
      if (archived) await api.secrets.restoreSecret({ name: secret.name, etag: secret.etag });
      else await api.secrets.archiveSecret({ name: secret.name, etag: secret.etag });
      onDone();
    } catch (error) {
      setProblem(describeError(error).message);
    }
  }
  const verb = archived ? "Restore" : "Archive";
  return (
    <Drawer kind="dialog" title={`${verb} ${secret.name}?`} onClose={onClose}>
      <ProblemBanner message={problem} />
      {archived ? (
        <p>It can be resolved again{consumers.length > 0 ? `, and these consumers start working again: ${consumers.join(", ")}` : ""}.</p>
      ) : consumers.length > 0 ? (
        <>
          <p>These consumers will stop working (their references will fail to resolve):</p>
          <ul class="consumers">
            {consumers.map((id) => (
              <li key={id}>{id}</li>
            ))}
          </ul>
        </>
      ) : (
        <p>Nothing references it. It can be restored later.</p>
      )}
      <FormActions label={verb} onConfirm={confirm} onCancel={onClose} />
    </Drawer>
  );
}

function DeleteDialog({ api, secret: current, onClose }: DialogProps) {
  const secret = useSecretAsOpened(current);
  const [typed, setTyped] = useState("");
  const [problem, setProblem] = useState<ReturnType<typeof describeError>>();
  async function confirm(event: Event) {
    event.preventDefault();
    try {
      await api.secrets.deleteSecret({ name: secret.name, etag: secret.etag });
      location.hash = "#/secrets";
    } catch (error) {
      setProblem(describeError(error));
    }
  }
  const hint = `Type ${secret.name} to confirm. This deletes every version for good.`;
  return (
    <Drawer kind="dialog" title={`Delete ${secret.name}?`} onClose={onClose}>
      <form onSubmit={confirm}>
        <ProblemBanner message={problem?.message} />
        <Field id="confirm-name" label="Secret name" hint={hint}>
          <input
            type="text"
            autocomplete="off"
            value={typed}
            onInput={(e) => setTyped((e.target as HTMLInputElement).value)}
            {...describedBy("confirm-name", hint, undefined)}
          />
        </Field>
        <FormActions label="Delete for good" danger disabled={typed !== secret.name} onCancel={onClose} />
      </form>
    </Drawer>
  );
}
