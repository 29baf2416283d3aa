from django.contrib.auth import views as auth_views


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    # Someone already signed in who opens the login page goes straight to the customers.
    redirect_authenticated_user = True
