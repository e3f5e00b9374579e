/** /app/settings: the settings index (links to each section) and the tenant's own settings. */
import { Hono } from 'hono';
import { fieldErrorsOf } from '../http/field-errors.js';
import { readForm } from '../http/read-form.js';
import { render } from '../http/views.js';
import type { Ports } from '../platform/ports.js';
import type { WorkspaceEnv } from './app-routes.js';
import { SETTINGS_SECTIONS, saveSettings, settingsView, VENDOR_COMMENT_CHOICES } from './settings.js';

const str = (v: unknown) => (typeof v === 'string' ? v : '');

export function settingsRoutes(platform: Pick<Ports, 'store' | 'clock'>) {
  const { store, clock } = platform;
  const app = new Hono<WorkspaceEnv>();

  app.get('/', async (c) => {
    const values = await c.var.workspace.read(settingsView);
    if (c.req.query('done') === 'saved') c.set('flash', [{ kind: 'success', text: 'Settings saved.' }]);
    return render(c, 'workspace/settings', {
      title: 'Settings',
      sections: SETTINGS_SECTIONS,
      values,
      maxLinkHours: values.maxLinkHours,
      commentChoices: VENDOR_COMMENT_CHOICES,
      errors: {},
    });
  });

  app.post('/', async (c) => {
    const form = await readForm(c);
    try {
      await saveSettings(store, c.var.workspace, form, clock.now());
    } catch (err) {
      const errors = fieldErrorsOf(err);
      if (!errors) throw err;
      const current = await c.var.workspace.read(settingsView);
      return render(
        c,
        'workspace/settings',
        {
          title: 'Settings',
          sections: SETTINGS_SECTIONS,
          values: {
            tenantName: str(form.tenantName),
            linkTtlHours: str(form.linkTtlHours),
            vendorComments: str(form.vendorComments),
          },
          maxLinkHours: current.maxLinkHours,
          commentChoices: VENDOR_COMMENT_CHOICES,
          errors,
        },
        422,
      );
    }
    return c.redirect('/app/settings?done=saved', 303);
  });

  return app;
}
