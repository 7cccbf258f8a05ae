package testenv

import (
	"context"
	"fmt"
	"strings"
	"time"

	authorizationv1 "k8s.io/api/authorization/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
)

// User is an authenticated, non-admin identity: it can do only what RBAC
// (Grant) allows it.
type User struct {
	Name   string
	Config *rest.Config
	Client kubernetes.Interface
	// Kubeconfig is the path of a kubeconfig file for this user.
	Kubeconfig string
}

// AddUser provisions a user (a client certificate) in the given groups.
// Users start with no permissions beyond system:authenticated's.
func (e *Env) AddUser(name string, groups ...string) (*User, error) {
	au, err := e.env.AddUser(envtest.User{Name: name, Groups: groups}, &rest.Config{QPS: 1000, Burst: 2000})
	if err != nil {
		return nil, fmt.Errorf("adding user %s: %w", name, err)
	}
	u := &User{Name: name, Config: au.Config()}
	if u.Client, err = kubernetes.NewForConfig(u.Config); err != nil {
		return nil, fmt.Errorf("client for user %s: %w", name, err)
	}
	kc, err := au.KubeConfig()
	if err != nil {
		return nil, fmt.Errorf("kubeconfig for user %s: %w", name, err)
	}
	if u.Kubeconfig, err = e.writeKubeconfig("user-"+name, kc); err != nil {
		return nil, err
	}
	return u, nil
}

// Grant creates a Role named role in namespace ns with rules and binds it
// to user.
func (e *Env) Grant(ctx context.Context, ns, user, role string, rules ...rbacv1.PolicyRule) error {
	r := &rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Name: role, Namespace: ns}, Rules: rules}
	if _, err := e.Client.RbacV1().Roles(ns).Create(ctx, r, metav1.CreateOptions{}); err != nil {
		return fmt.Errorf("creating role %s/%s: %w", ns, role, err)
	}
	b := &rbacv1.RoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: role + "-" + user, Namespace: ns},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: role},
		Subjects:   []rbacv1.Subject{{APIGroup: rbacv1.GroupName, Kind: rbacv1.UserKind, Name: user}},
	}
	if _, err := e.Client.RbacV1().RoleBindings(ns).Create(ctx, b, metav1.CreateOptions{}); err != nil {
		return fmt.Errorf("binding role %s/%s to %s: %w", ns, role, user, err)
	}
	return e.waitAuthorized(ctx, ns, user, rules)
}

// waitAuthorized returns once the API server's RBAC authorizer, which
// learns of new Roles and RoleBindings through an informer, allows user
// every verb on every resource in rules: without it the first request of
// a test can be refused although the binding exists.
func (e *Env) waitAuthorized(ctx context.Context, ns, user string, rules []rbacv1.PolicyRule) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	for _, r := range rules {
		for _, group := range r.APIGroups {
			for _, res := range r.Resources {
				resource, sub, _ := strings.Cut(res, "/")
				for _, verb := range r.Verbs {
					attrs := &authorizationv1.ResourceAttributes{Namespace: ns, Verb: verb, Group: group, Resource: resource, Subresource: sub}
					if err := e.pollAllowed(ctx, user, attrs); err != nil {
						return err
					}
				}
			}
		}
	}
	return nil
}

func (e *Env) pollAllowed(ctx context.Context, user string, attrs *authorizationv1.ResourceAttributes) error {
	review := &authorizationv1.SubjectAccessReview{Spec: authorizationv1.SubjectAccessReviewSpec{User: user, ResourceAttributes: attrs}}
	for {
		got, err := e.Client.AuthorizationV1().SubjectAccessReviews().Create(ctx, review, metav1.CreateOptions{})
		if err == nil && got.Status.Allowed {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("RBAC never allowed %s to %s %s/%s in %s: %w", user, attrs.Verb, attrs.Resource, attrs.Subresource, attrs.Namespace, ctx.Err())
		case <-time.After(10 * time.Millisecond):
		}
	}
}
