"""Sphinx configuration for the collection's docs site, built by scripts/test_all.py (phase docsite).

antsibull-docs writes the rst (plugin pages, role page, guides from docs/docsite/) into the
source folder; this file only sets up Sphinx. No intersphinx: the build must not reach out to
other sites, and a reference that cannot be resolved here fails the build (nitpicky, -W).
"""

project = 'edgeops.cloudflare'
copyright = 'edgeops maintainers, GPL-3.0-or-later'  # pylint: disable=redefined-builtin
title = 'edgeops.cloudflare: Cloudflare Tunnels from Ansible'
html_short_title = 'edgeops.cloudflare'

extensions = ['sphinx_antsibull_ext']
pygments_style = 'ansible'
highlight_language = 'YAML+Jinja'

html_theme = 'sphinx_ansible_theme'
html_show_sphinx = False
html_copy_source = False
html_use_modindex = False
html_use_index = False
html_theme_options = {'display_version': False}

default_role = 'any'
nitpicky = True

# antsibull-docs' pages refer to a few labels of the Ansible documentation, which intersphinx
# would resolve from a downloaded inventory. Resolve exactly those to their pages instead; any
# other unknown reference still fails the build.
ANSIBLE_DOCS = 'https://docs.ansible.com/projects/ansible/latest/'
ANSIBLE_LABELS = {
    'action_plugins': 'plugins/action.html',
    'ansible_configuration_settings': 'reference_appendices/config.html',
    'common_return_values': 'reference_appendices/common_return_values.html',
}


def resolve_ansible_label(_app, _env, node, contnode):
    """Turn a reference to a known Ansible documentation label into a link to its page."""
    from docutils import nodes  # pylint: disable=import-outside-toplevel

    target = node.get('reftarget')
    if node.get('refdomain') != 'std' or node.get('reftype') != 'ref' or target not in ANSIBLE_LABELS:
        return None
    return nodes.reference('', '', contnode, internal=False, refuri=ANSIBLE_DOCS + ANSIBLE_LABELS[target])


def setup(app):
    """Register the resolver for the Ansible documentation labels."""
    app.connect('missing-reference', resolve_ansible_label)
    return {'parallel_read_safe': True}
